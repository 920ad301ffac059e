export { type Answer, sendAnswer } from './answer.js';
export { mediaType, readBody, type ReadBodyOptions, requireMediaType } from './body.js';
export { answerParserErrors, type ErrorPayload, type ParserRefusal, rawAnswer, refusalOf } from './client-error.js';
export { guardListener, type GuardOptions, type Listener } from './guard.js';
export { HttpError, type HttpErrorReason, isHttpError } from './http-error.js';
export { type RequestTarget, splitTarget } from './request-target.js';
