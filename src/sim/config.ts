/** Options plus profile -> the settings one simulator runs with. */
import {SIM_PROFILE_NAMES, SIM_PROFILES} from './profiles.js';
import type {FaultRates, SimApi, SimProfile, SimProfileName, SimulatorOptions} from './types.js';

export const DEFAULT_CONTEXT_WINDOW = 400_000;

export const SIM_APIS: readonly SimApi[] = ['responses', 'chat'];

export interface SimConfig {
	readonly profileName: SimProfileName;
	readonly profile: SimProfile;
	readonly seed: number;
	readonly port: number;
	readonly rpm: number;
	readonly tpm: number;
	readonly burstMs: number;
	readonly countRejected: boolean;
	readonly rateLimitHeaders: boolean;
	readonly retryAfter: boolean;
	readonly shouldRetryHeader: boolean;
	readonly latencyScale: number;
	readonly faults: FaultRates;
	readonly apiKey: string | undefined;
	readonly contextWindow: number;
	readonly log: ((line: string) => void) | undefined;
	readonly apis: ReadonlySet<SimApi>;
	readonly batchTimeScale: number;
	readonly batchExpireAfter: number | undefined;
}

function positive(name: string, value: number | undefined, fallback: number): number {
	if (value === undefined) return fallback;
	if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
		throw new RangeError(`Simulator option ${name} must be a positive number (or Infinity), got ${String(value)}`);
	}
	return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
	if (value === undefined) return fallback;
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		throw new RangeError(`Simulator option ${name} must be a finite number >= 0, got ${String(value)}`);
	}
	return value;
}

export function resolveConfig(options: SimulatorOptions): SimConfig {
	const profileName = options.profile ?? 'calm';
	const profile = SIM_PROFILES[profileName];
	if (!profile) {
		throw new RangeError(`Unknown simulator profile "${String(profileName)}" (one of ${SIM_PROFILE_NAMES.join(', ')})`);
	}
	const faults = {...profile.faults};
	for (const [name, rate] of Object.entries(options.faults ?? {})) {
		if (!(name in faults)) throw new RangeError(`Unknown simulator fault "${name}"`);
		if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
			throw new RangeError(`Simulator fault rate ${name} must be between 0 and 1, got ${String(rate)}`);
		}
		faults[name as keyof FaultRates] = rate;
	}
	const latencyScale = options.latencyScale ?? 1;
	if (!(latencyScale >= 0) || !Number.isFinite(latencyScale)) {
		throw new RangeError(`Simulator option latencyScale must be >= 0, got ${String(latencyScale)}`);
	}
	const apis = options.apis ?? SIM_APIS;
	if (!Array.isArray(apis) || apis.length === 0 || apis.some((api) => !SIM_APIS.includes(api))) {
		throw new RangeError(`Simulator option apis must list one or more of ${SIM_APIS.join(', ')}, got ${JSON.stringify(apis)}`);
	}
	const port = options.port ?? 0;
	if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`Invalid simulator port ${String(port)}`);
	return {
		profileName,
		profile,
		seed: Math.trunc(options.seed ?? 1),
		port,
		rpm: positive('rpm', options.rpm, profile.rpm),
		tpm: positive('tpm', options.tpm, profile.tpm),
		burstMs: positive('burstMs', options.burstMs, 1000),
		countRejected: options.countRejected ?? false,
		rateLimitHeaders: options.rateLimitHeaders ?? true,
		retryAfter: options.retryAfter ?? true,
		shouldRetryHeader: options.shouldRetryHeader ?? false,
		latencyScale,
		faults,
		apiKey: options.apiKey,
		contextWindow: positive('contextWindow', options.contextWindow, DEFAULT_CONTEXT_WINDOW),
		log: options.log,
		apis: new Set(apis),
		batchTimeScale: nonNegative('batchTimeScale', options.batchTimeScale, 0.005),
		batchExpireAfter: options.batchExpireAfter === undefined ? undefined : Math.trunc(nonNegative('batchExpireAfter', options.batchExpireAfter, 0)),
	};
}
