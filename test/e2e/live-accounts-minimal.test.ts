import { describeLiveAccount } from './live-accounts';

describeLiveAccount('minimal');
