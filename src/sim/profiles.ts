import type {FaultRates, SimProfile, SimProfileName} from './types.js';

export const NO_FAULTS: FaultRates = {
	rateLimit: 0,
	slowDown: 0,
	quota: 0,
	server500: 0,
	badGateway502: 0,
	overloaded503: 0,
	gatewayTimeout504: 0,
	reset: 0,
	stall: 0,
	cut: 0,
	streamError: 0,
	badRequest: 0,
};

/**
 * Latencies are kept short (a few hundred ms a response) so a 40-prompt demo at
 * concurrency 4 finishes in 10–20 s. Limits follow openai-wire.md §5: calm is Tier-1
 * gpt-5.4-mini, storm an old Tier-1 gpt-4o-like TPM.
 */
export const SIM_PROFILES: Record<SimProfileName, SimProfile> = {
	calm: {
		description: 'No faults, Tier-1-like limits (500 RPM / 500k TPM), modest latency.',
		rpm: 500,
		tpm: 500_000,
		faults: NO_FAULTS,
		latency: {ttfbMs: [120, 400], perTokenMs: [1.5, 4]},
		outputTokens: [12, 300],
		faultRetryAfterMs: [300, 1500],
	},
	flaky: {
		description: 'A few % of transient faults: 429s, 5xx, resets, cut and stalled streams.',
		rpm: 500,
		tpm: 500_000,
		faults: {
			...NO_FAULTS,
			rateLimit: 0.02,
			slowDown: 0.005,
			server500: 0.01,
			badGateway502: 0.005,
			overloaded503: 0.01,
			gatewayTimeout504: 0.005,
			reset: 0.01,
			stall: 0.003,
			cut: 0.01,
			streamError: 0.01,
		},
		latency: {ttfbMs: [150, 500], perTokenMs: [1.5, 4.5]},
		outputTokens: [12, 300],
		faultRetryAfterMs: [300, 2000],
	},
	storm: {
		description: 'Low TPM (30k) so rate limits dominate; some slow_down and 503s.',
		rpm: 200,
		tpm: 30_000,
		faults: {
			...NO_FAULTS,
			rateLimit: 0.03,
			slowDown: 0.02,
			overloaded503: 0.02,
			server500: 0.005,
		},
		latency: {ttfbMs: [200, 700], perTokenMs: [2, 5]},
		outputTokens: [12, 300],
		faultRetryAfterMs: [500, 3000],
	},
	chaos: {
		description: 'Every transient fault at high rates plus 2% permanently bad prompts; no quota.',
		rpm: 300,
		tpm: 150_000,
		faults: {
			...NO_FAULTS,
			rateLimit: 0.05,
			slowDown: 0.02,
			server500: 0.04,
			badGateway502: 0.03,
			overloaded503: 0.04,
			gatewayTimeout504: 0.02,
			reset: 0.03,
			stall: 0.01,
			cut: 0.03,
			streamError: 0.03,
			badRequest: 0.02,
		},
		latency: {ttfbMs: [150, 600], perTokenMs: [1.5, 5]},
		outputTokens: [12, 300],
		faultRetryAfterMs: [300, 2500],
	},
};

export const SIM_PROFILE_NAMES = Object.keys(SIM_PROFILES) as SimProfileName[];
