/** The dashboard and alarms read the names the functions emit: one list, in `shared/`. */
export { CUSTOM_METRICS } from '../../shared/metric-names';
