import type { NextFunction, Request, Response } from 'express';

/**
 * How deeply a JSON body may nest. Our deepest body (a customer with addresses) is four levels;
 * validation and transformation recurse per level, so a body of a few thousand nested arrays
 * overflowed the stack (a 500) before this limit.
 */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests deeper than `max` objects or arrays; iterative, so any depth is safe. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Express middleware after the JSON parser: too deep a body is a 400 of the body parser's kind. */
export function jsonDepthLimit(max = MAX_JSON_DEPTH) {
  return (request: Request, _response: Response, next: NextFunction): void => {
    if (nestsDeeperThan(request.body, max)) {
      next(
        Object.assign(new Error(`body: the JSON nests deeper than ${max} levels`), {
          type: 'entity.too.deep',
          status: 400,
        }),
      );
      return;
    }
    next();
  };
}
