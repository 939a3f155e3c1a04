import { describeAutoClose } from './live-accounts-auto-close';

describeAutoClose('minimal');
