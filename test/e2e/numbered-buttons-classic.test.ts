import { describeNumberedButtons } from './numbered-buttons';

describeNumberedButtons('classic');
