/** The built-in Responses and Chat Completions simulator (DESIGN.md "Simulator", openai-wire.md §9, §10). */
export {startSimulator} from './server.js';
export {SIM_PROFILES, SIM_PROFILE_NAMES} from './profiles.js';
export {formatGoDuration} from './duration.js';
export type {
	FaultName,
	FaultRates,
	LatencyProfile,
	SimApi,
	SimProfile,
	SimProfileName,
	SimSecond,
	SimStats,
	Simulator,
	SimulatorOptions,
} from './types.js';
