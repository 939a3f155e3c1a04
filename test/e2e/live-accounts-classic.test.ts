import { describeLiveAccount } from './live-accounts';

describeLiveAccount('classic');
