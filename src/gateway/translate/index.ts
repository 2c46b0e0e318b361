// The Responses API over chat-completions providers: requests in, responses and stream events out.
// Split by direction (request, response object, stream); this file is the one place routes import from.
export type { ChatCompletionLike, ChatRequestBody } from './chat-shapes';
export { parseResponsesRequest, responsesToChat, type ResponsesRequest } from './responses-request';
export { chatToResponse, type ResponseIdentity, type WireResponse } from './responses-object';
export { ResponsesStreamTranslator, type ResponsesStreamEvent } from './responses-stream';
export { TranslationError } from './translation-error';
