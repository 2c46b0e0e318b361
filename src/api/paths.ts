// Where the JSON API lives: in a module of its own, so the middleware that needs the paths (body
// limits by route) does not load the API's routes.
export const API_BASE = '/api/v1';
export const OPENAPI_PATH = '/openapi.json';
/** Studies, and the name they were first served under (kept answering, documented as deprecated). */
export const STUDIES_PATH = '/studies';
export const STUDIES_ALIAS_PATH = '/batches';
