import { describeAutoClose } from './live-accounts-auto-close';

describeAutoClose('classic');
