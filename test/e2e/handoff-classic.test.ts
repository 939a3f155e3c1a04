import { describeHandoff } from './handoff';

describeHandoff('classic');
