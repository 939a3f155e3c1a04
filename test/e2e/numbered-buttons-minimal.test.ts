import { describeNumberedButtons } from './numbered-buttons';

describeNumberedButtons('minimal');
