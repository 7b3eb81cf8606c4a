/**
 * The LLM as the rest of the service sees it. Only `src/llm/` knows which SDK is behind it.
 */
export interface LlmPort {
  /** The model name reported back to callers. */
  readonly model: string;
}
