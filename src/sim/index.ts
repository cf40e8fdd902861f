/** The built-in Responses API simulator (DESIGN.md "Simulator", openai-wire.md §9). */
export {startSimulator} from './server.js';
export {SIM_PROFILES, SIM_PROFILE_NAMES} from './profiles.js';
export {formatGoDuration} from './duration.js';
export type {
	FaultName,
	FaultRates,
	LatencyProfile,
	SimProfile,
	SimProfileName,
	SimSecond,
	SimStats,
	Simulator,
	SimulatorOptions,
} from './types.js';
