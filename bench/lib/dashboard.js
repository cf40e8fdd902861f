/** The dashboard figures: placeholder until measured (see run.js). */
import {existsSync} from 'node:fs';
import {notMeasured} from './table.js';

export async function dashboardFigures() {
	const why = existsSync(new URL('../../dist/components/runDashboard.js', import.meta.url))
		? 'dashboard measurement not written yet'
		: 'the dashboard (src/components/runDashboard.tsx) is not built';
	return [
		notMeasured('scale: dashboard, peak RSS', '<= 400 MB', why),
		notMeasured('dashboard: frames per second', '<= 15', why),
		notMeasured('dashboard: worst keypress-to-frame', '<= 100 ms', why),
		notMeasured('dashboard: first frame', '<= 500 ms', why),
	];
}
