/**
 * Validates a wire body against a named schema of the official OpenAPI description,
 * through the copy in test/fixtures/openapi (never ../shared, which CI does not have).
 *
 * The description mixes OpenAPI 3.0 (`nullable`) and 3.1 (`anyOf` with `type: null`) and
 * carries vendor keywords (`x-stainless-*`, `discriminator`). Each `nullable: true` is
 * rewritten to its 3.0 meaning, "this schema, or null" (Ajv's own reading refuses it
 * beside a `$ref` and lets an `enum` reject the null); Ajv, not strict, passes over the
 * vendor keywords. `unixtime` is the spec's own format: a number of seconds since the epoch.
 */
import {readFileSync} from 'node:fs';
import {Ajv, type ErrorObject, type ValidateFunction} from 'ajv';
import addFormatsModule from 'ajv-formats';

const FIXTURE = new URL('../fixtures/openapi/openai-openapi-subset.json', import.meta.url);

interface Description {
	components: {schemas: Record<string, Record<string, unknown>>};
}

/**
 * Schemas this file adds beside the official ones, for the places where the spec's own
 * examples (which describe the live API, openai-wire.md §11) contradict its schemas: in
 * `response.created` / `response.in_progress` the Response carries `user: null` and
 * `usage: null`, though the schema types them as a string and an object.
 */
function withLiveVariants(doc: Description): Description {
	const schemas = structuredClone(doc.components.schemas) as Record<string, any>;
	const modelProperties = structuredClone(schemas.ModelResponseProperties);
	modelProperties.properties.user = {anyOf: [{type: 'string'}, {type: 'null'}]};
	const [, responseProperties, own] = schemas.Response.allOf;
	const running = structuredClone(own);
	running.properties.usage = {anyOf: [{$ref: '#/components/schemas/ResponseUsage'}, {type: 'null'}]};
	schemas.ResponseWhileRunning = {allOf: [modelProperties, responseProperties, running]};
	for (const event of ['ResponseCreatedEvent', 'ResponseInProgressEvent']) {
		const live = structuredClone(schemas[event]);
		live.properties.response = {$ref: '#/components/schemas/ResponseWhileRunning'};
		schemas[`${event}Live`] = live;
	}
	schemas.ResponseStreamEventLive = {
		anyOf: schemas.ResponseStreamEvent.anyOf.map((member: {$ref: string}) =>
			/(ResponseCreatedEvent|ResponseInProgressEvent)$/.test(member.$ref) ? {$ref: `${member.$ref}Live`} : member,
		),
	};
	return {components: {schemas}};
}

/** `{..., nullable: true}` -> `{anyOf: [{...}, {type: 'null'}]}`, everywhere in `node`. */
function nullableAsAnyOf(node: unknown): unknown {
	if (Array.isArray(node)) return node.map(nullableAsAnyOf);
	if (typeof node !== 'object' || node === null) return node;
	const entries = Object.entries(node).map(([key, value]) => [key, nullableAsAnyOf(value)] as const);
	const {nullable, ...rest} = Object.fromEntries(entries) as Record<string, unknown>;
	if (nullable !== true) return nullable === undefined ? rest : {...rest, nullable};
	return {anyOf: [rest, {type: 'null'}]};
}

const DOC = nullableAsAnyOf(JSON.parse(readFileSync(FIXTURE, 'utf8'))) as Description;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({strict: false, allErrors: true});
addFormats(ajv);
ajv.addFormat('unixtime', {type: 'number', validate: (value: number) => Number.isFinite(value) && value >= 0});
ajv.addSchema(withLiveVariants(DOC), 'openai');

const compiled = new Map<string, ValidateFunction>();

function validator(name: string): ValidateFunction {
	let validate = compiled.get(name);
	if (!validate) {
		const found = ajv.getSchema(`openai#/components/schemas/${name}`);
		if (!found) throw new Error(`no schema named ${name} in openai-openapi-subset.json`);
		validate = found;
		compiled.set(name, validate);
	}
	return validate;
}

/** The schema's complaints about `value`, as readable lines (empty when it is valid). */
export function schemaErrors(name: string, value: unknown): string[] {
	const validate = validator(name);
	if (validate(value)) return [];
	return (validate.errors ?? []).map((e: ErrorObject) => `${name}${e.instancePath || ''} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Throws, naming every complaint, unless `value` is valid against the named schema. */
export function assertSchema(name: string, value: unknown): void {
	const errors = schemaErrors(name, value);
	if (errors.length > 0) {
		throw new Error(`not a valid ${name}:\n  ${errors.slice(0, 12).join('\n  ')}\nvalue: ${JSON.stringify(value).slice(0, 600)}`);
	}
}

/** The official schema for one Responses stream event, picked by its `type`. */
export function streamEventSchema(type: string): string {
	const live: Record<string, string> = {
		'response.created': 'ResponseCreatedEventLive',
		'response.in_progress': 'ResponseInProgressEventLive',
	};
	if (live[type]) return live[type];
	for (const [name, schema] of Object.entries(DOC.components.schemas)) {
		const typeEnum = (schema.properties as {type?: {enum?: unknown[]}} | undefined)?.type?.enum;
		if (name.endsWith('Event') && typeEnum?.length === 1 && typeEnum[0] === type) return name;
	}
	throw new Error(`no stream event schema has type ${type}`);
}
