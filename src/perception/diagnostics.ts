// What `twinseg doctor` asks of perception, in one place, so the doctor reaches no deeper: the providers
// onnxruntime tried, whether the machine shows a GPU, the model sessions as the predictor opens them, and
// the four-token decoder (derived, split) with its status.
export { createSession, providerReport, type ProviderReport } from './backends/ort-sessions.js';
export { gpuPresence } from './backends/gpu-presence.js';
export { splitImageSide, type SplitSummary } from './graph/image-side-split.js';
export { prepareFourTokenDecoder } from './predictor/four-token-file.js';
export type { FourTokenStatus } from './predictor/four-token-session.js';
export { openModelSessions } from './predictor/model-sessions.js';
