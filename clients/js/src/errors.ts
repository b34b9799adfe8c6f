import type { Problem } from "./types.js";

/**
 * A refusal from Tally or from the host backend: the HTTP status, Tally's stable `code`
 * (`insufficient_credits`, `unauthorized`, …; `http_<status>` when the body was not a problem
 * document) and the problem document itself when there was one.
 */
export class TallyError extends Error {
  override readonly name = "TallyError";
  readonly status: number;
  readonly code: string;
  readonly problem: Problem | null;

  constructor(status: number, code: string, message: string, problem: Problem | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.problem = problem;
  }

  /** For `insufficient_credits` (402): what the charge could have spent. */
  get available(): number | undefined {
    return typeof this.problem?.["available"] === "number" ? this.problem["available"] : undefined;
  }

  /** For `insufficient_credits` (402): what the charge needed. */
  get required(): number | undefined {
    return typeof this.problem?.["required"] === "number" ? this.problem["required"] : undefined;
  }

  /** Reads a non-2xx answer into an error, with its problem document when the body is JSON. */
  static async fromResponse(response: Response): Promise<TallyError> {
    let problem: Problem | null = null;
    try {
      const text = await response.text();
      const parsed: unknown = text.length > 0 ? JSON.parse(text) : null;
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        problem = parsed as Problem;
      }
    } catch {
      // Not JSON (a proxy's HTML page, an empty body): the status alone describes it.
    }

    const code = typeof problem?.code === "string" ? problem.code : `http_${response.status}`;
    const detail = problem?.detail ?? problem?.title ?? response.statusText;
    const message = `${response.status} ${code}${detail ? `: ${detail}` : ""}`;
    return new TallyError(response.status, code, message, problem);
  }
}
