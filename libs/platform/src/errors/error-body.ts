/** The JSON body of every error response. */
export interface ErrorBody {
  statusCode: number;
  /** Stable, machine-readable code, e.g. `REQUEST.VALIDATION_FAILED`. */
  code: string;
  message: string;
  /** Field-level problems, when the request body was invalid. */
  errors?: Array<{ field: string; message: string }>;
  correlationId?: string;
  path?: string;
}
