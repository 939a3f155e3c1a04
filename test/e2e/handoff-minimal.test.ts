import { describeHandoff } from './handoff';

describeHandoff('minimal');
