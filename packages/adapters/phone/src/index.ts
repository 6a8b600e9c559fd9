/**
 * @kefu/adapter-phone — Twilio voice and SMS for Kefu: inbound calls through an IVR defined as
 * data, queues, agent dialling, voicemail and call-backs on the `phone` channel; SMS/MMS
 * conversations with delivery reports and opt-out on the `sms` channel; an outbound call
 * primitive with status tracking and retries.
 *
 * @packageDocumentation
 */
export * from './adapter.js';
export * from './admin.js';
export * from './calls.js';
export * from './config.js';
export * from './errors.js';
export * from './ivr.js';
export type { CallRecord, IvrIntentContext, IvrIntentHandler, LiveCall, LiveCallState, PhoneCommerceService, PhoneNumberConfig, PhoneOrderSummary } from './shared.js';
export { renderSms, type SmsChoice, type SmsSendMeta, START_KEYWORDS, STOP_KEYWORDS } from './sms.js';
export * from './sms-split.js';
export { createTwilioHttpClient, type TwilioClient, type TwilioHttpClient, type TwilioHttpClientOptions } from './twilio.js';
export { CALLBACK_JOB } from './voice.js';
