// The API's enum values, from the server that serves the page (GET /api/enums, made from the protobuf descriptors
// compiled into it): the one source of which values exist, so a value added to a .proto file appears in the form's
// lists by itself instead of silently missing from a copy here. Labels stay in i18n.js (a value without one shows
// as its API name, and web/tests/browser.test.mjs fails until it has one).

let loaded = null;  // {EnumName: [VALUE, ...]} in declaration order

// Loads the values once; retries while the server cannot be reached (a page opened during a restart).
export async function loadEnums() {
  for (let attempt = 0; !loaded; attempt += 1) {
    try {
      const response = await fetch('/api/enums', { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      loaded = (await response.json()).enums;
    } catch (error) {
      if (attempt >= 30) throw error;
      await new Promise((resolve) => { setTimeout(resolve, 1000); });
    }
  }
  return loaded;
}

// The values of enum `name` ("BedType") that can be chosen: all but the *_UNSPECIFIED zero value.
export function choices(name) {
  if (!loaded) throw new Error('enums not loaded yet (await loadEnums() first)');
  const values = loaded[name];
  if (!values) throw new Error(`the server has no enum ${name}`);
  return values.filter((value) => !value.endsWith('_UNSPECIFIED'));
}

// The position of `value` in its enum's declaration, for sorting as the API does; unknown values last.
export function rank(name, value) {
  const index = loaded?.[name]?.indexOf(value) ?? -1;
  return index < 0 ? Number.MAX_SAFE_INTEGER : index;
}
