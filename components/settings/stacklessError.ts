import * as pulumi from "@pulumi/pulumi";

/**
 * Gives `error` a stack of its first line only (`Name: message`) and returns it.
 *
 * For errors that tell users what to fix in their settings: the message names the field, the frames say nothing.
 * It also keeps a failing `pulumi preview` fast. Pulumi's Node.js host formats every error that ends a program
 * with `util.inspect(error, { colors: true })`. Source maps turn the SDK's frames into paths such as
 * `node_modules/@pulumi/resource.ts`, and on Node.js 20.20 that call loops on such a frame until the string
 * overflows (nodejs/node#64011): about a minute of garbage collection before the error is shown.
 */
export function withoutStackFrames<E extends Error>(error: E): E {
  Object.defineProperty(error, "stack", {
    value: `${error.name}: ${error.message}`,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return error;
}

/** A `pulumi.RunError` (reported as its message alone) without stack frames; see `withoutStackFrames`. */
export function stacklessRunError(message: string): pulumi.RunError {
  return withoutStackFrames(new pulumi.RunError(message));
}
