/**
 * Models: the registry, config resolution, building, the forward pass, counting and weights I/O.
 *
 * @module
 */
export * from "./variants.ts";
export * from "./resolve.ts";
export * from "./param_spec.ts";
export * from "./model.ts";
export * from "./forward.ts";
export * from "./count.ts";
export * from "./state_dict.ts";
export * from "./weights_file.ts";
export * from "./predict.ts";
export * from "./merged_form.ts";
export * from "./reparam_block.ts";
export * from "./reparam.ts";
export * from "./merged_weights.ts";
export * from "./merged_forward.ts";
export * from "./network.ts";
export { permute } from "./layout.ts";
export { numel } from "../util/shape.ts";
