// The logger is shared with reports/ and scripts/; exporter code keeps importing it from here.
export { createLogger, type Logger } from '../../../shared/logger';
