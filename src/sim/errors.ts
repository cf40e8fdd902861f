/** Error responses in the real API's words (openai-wire.md §4). */
import {formatGoDuration} from './duration.js';

export interface SimErrorResponse {
	readonly status: number;
	/** The serialised body (JSON envelope, or HTML for gateway errors). */
	readonly body: string;
	readonly contentType: string;
	/** Whether retry-after headers belong on it (a wait that would actually help). */
	readonly retryAfterMs?: number;
	/** `x-should-retry`, when the flag is on. */
	readonly shouldRetry?: boolean;
}

const RATE_LIMIT_DOCS = 'Visit https://platform.openai.com/account/rate-limits to learn more.';
export const SIM_ORGANIZATION = 'org-sim';

export function apiError(
	status: number,
	message: string,
	type: string,
	param: string | null,
	code: string | null,
	extra: {retryAfterMs?: number; shouldRetry?: boolean} = {},
): SimErrorResponse {
	return {
		status,
		body: JSON.stringify({error: {message, type, param, code}}),
		contentType: 'application/json',
		...extra,
	};
}

export function invalidRequest(status: number, message: string, param: string | null, code: string | null): SimErrorResponse {
	return apiError(status, message, 'invalid_request_error', param, code);
}

export const invalidJson = (): SimErrorResponse =>
	invalidRequest(
		400,
		"We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
		null,
		null,
	);

export const missingParameter = (param: string): SimErrorResponse =>
	invalidRequest(400, `Missing required parameter: '${param}'.`, param, 'missing_required_parameter');

export const invalidType = (param: string, expected: string, got: unknown): SimErrorResponse =>
	invalidRequest(
		400,
		`Invalid type for '${param}': expected ${expected}, but got ${describeType(got)} instead.`,
		param,
		'invalid_type',
	);

export const belowMinimum = (param: string, min: number, got: number): SimErrorResponse =>
	invalidRequest(
		400,
		`Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${got} instead.`,
		param,
		'integer_below_min_value',
	);

export const outOfRange = (param: string, bound: 'above' | 'below', limit: number, got: number): SimErrorResponse =>
	invalidRequest(
		400,
		`Invalid '${param}': decimal ${bound} ${bound === 'above' ? 'maximum' : 'minimum'} value. Expected a value ${bound === 'above' ? '<=' : '>='} ${limit}, but got ${got} instead.`,
		param,
		`decimal_${bound}_${bound === 'above' ? 'max' : 'min'}_value`,
	);

export const invalidValue = (param: string, got: string, supported: readonly string[]): SimErrorResponse =>
	invalidRequest(
		400,
		`Invalid value: '${got}'. Supported values are: ${supported.slice(0, -1).map((v) => `'${v}'`).join(', ')}, and '${supported.at(-1)}'.`,
		param,
		'invalid_value',
	);

export const emptyArray = (param: string): SimErrorResponse =>
	invalidRequest(
		400,
		`Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
		param,
		'empty_array',
	);

/** Chat Completions: the old and the new name of the output cap together. */
export const bothMaxTokens = (): SimErrorResponse =>
	invalidRequest(
		400,
		"Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
		'max_tokens',
		'invalid_parameter_combination',
	);

export const streamOptionsWithoutStream = (): SimErrorResponse =>
	invalidRequest(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', null);

export const unsupportedParameter = (param: string): SimErrorResponse =>
	invalidRequest(400, `Unsupported parameter: '${param}' is not supported with this model.`, param, 'unsupported_parameter');

export const modelNotFound = (model: string): SimErrorResponse =>
	invalidRequest(404, `The model \`${model}\` does not exist or you do not have access to it.`, null, 'model_not_found');

export const contextLengthExceeded = (): SimErrorResponse =>
	invalidRequest(
		400,
		'Your input exceeds the context window of this model. Please adjust your input and try again.',
		'input',
		'context_length_exceeded',
	);

/** The seeded permanent failure: the same prompt gets it on every attempt. */
export const invalidPrompt = (): SimErrorResponse =>
	invalidRequest(
		400,
		'Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try again with a different prompt.',
		null,
		'invalid_prompt',
	);

export const noApiKey = (): SimErrorResponse =>
	invalidRequest(
		401,
		"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
		null,
		null,
	);

export const invalidApiKey = (key: string): SimErrorResponse =>
	invalidRequest(
		401,
		`Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
		null,
		'invalid_api_key',
	);

export const invalidUrl = (method: string, path: string): SimErrorResponse =>
	invalidRequest(404, `Invalid URL (${method} ${path})`, null, null);

export const payloadTooLarge = (): SimErrorResponse =>
	invalidRequest(413, 'The request body is too large.', null, null);

/** Only the recognisable prefix and the last four characters survive, like the real message. */
export function maskKey(key: string): string {
	const prefix = key.startsWith('sk-proj-') ? 'sk-proj-' : key.startsWith('sk-') ? 'sk-' : '';
	if (key.length < prefix.length + 8) return `${prefix}***`;
	return `${prefix}...${key.slice(-4)}`;
}

export function rateLimited(
	model: string,
	dimension: 'requests' | 'tokens',
	limit: number,
	used: number,
	requested: number,
	waitMs: number,
): SimErrorResponse {
	const window = dimension === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)';
	return apiError(
		429,
		`Rate limit reached for ${model} in organization ${SIM_ORGANIZATION} on ${window}: Limit ${limit}, Used ${used}, Requested ${requested}. Please try again in ${formatGoDuration(waitMs)}. ${RATE_LIMIT_DOCS}`,
		dimension,
		null,
		'rate_limit_exceeded',
		{retryAfterMs: waitMs, shouldRetry: true},
	);
}

/** No retry-after: waiting can never help a request bigger than the whole limit. */
export const requestTooLarge = (model: string, limit: number, requested: number): SimErrorResponse =>
	apiError(
		429,
		`Request too large for ${model} in organization ${SIM_ORGANIZATION} on tokens per min (TPM): Limit ${limit}, Requested ${requested}. The input or output tokens must be reduced in order to run successfully. ${RATE_LIMIT_DOCS}`,
		'tokens',
		null,
		'rate_limit_exceeded',
		{shouldRetry: false},
	);

export const slowDown = (waitMs: number): SimErrorResponse =>
	apiError(
		429,
		'Your account is sending requests too quickly. Please slow down and ramp up your traffic gradually.',
		'rate_limit_error',
		null,
		'slow_down',
		{retryAfterMs: waitMs, shouldRetry: true},
	);

export const insufficientQuota = (): SimErrorResponse =>
	apiError(
		429,
		'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
		'insufficient_quota',
		null,
		'insufficient_quota',
		{shouldRetry: false},
	);

export const serverError = (): SimErrorResponse =>
	apiError(
		500,
		'The server had an error while processing your request. Sorry about that!',
		'server_error',
		null,
		'server_error',
		{shouldRetry: true},
	);

export const overloaded = (): SimErrorResponse =>
	apiError(
		503,
		'The server is overloaded, please try again later.',
		'service_unavailable_error',
		null,
		'server_is_overloaded',
		{shouldRetry: true},
	);

function gatewayPage(status: number, title: string): SimErrorResponse {
	return {
		status,
		body: `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`,
		contentType: 'text/html',
	};
}

export const badGateway = (): SimErrorResponse => gatewayPage(502, 'Bad Gateway');
export const gatewayTimeout = (): SimErrorResponse => gatewayPage(504, 'Gateway Time-out');

function describeType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	switch (typeof value) {
		case 'string':
			return 'a string';
		case 'number':
			return Number.isInteger(value) ? 'an integer' : 'a decimal';
		case 'boolean':
			return 'a boolean';
		default:
			return 'an object';
	}
}
