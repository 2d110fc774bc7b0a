/**
 * The chance level of a classification run: 100 % / the number of classes of its data set, read
 * from the run's resolved data config (the class count is fixed by the data kind: Pathfinder 2,
 * generated shapes {@link SHAPES_CLASSES}, Fashion-MNIST 10, CIFAR its variant). Kinds whose class
 * count only the files know (an ImageFolder tree, arrays) give null: no chance line is drawn.
 *
 * @module
 */
import { SHAPES_CLASSES } from "../data/shapes.ts";

/** The fields of a data config that fix its class count. */
export interface ClassCountSource {
  kind: string;
  /** CIFAR: 10 or 100. */
  variant?: unknown;
}

/** The number of classes of data config `data`, or null when only its files know it. */
export function classCountOf(data: ClassCountSource): number | null {
  switch (data.kind) {
    case "pathfinder":
      return 2;
    case "shapes":
      return SHAPES_CLASSES.length;
    case "fashion_mnist":
      return 10;
    case "cifar":
      return data.variant === 100 ? 100 : 10;
    default:
      return null;
  }
}

/**
 * Chance top-`k` accuracy (%) of a run config: min(1, k / classes) · 100; null when its class
 * count is not known.
 */
export function chancePercentOf(config: Record<string, unknown>, k = 1): number | null {
  const data = config.data as ClassCountSource | undefined;
  if (data === undefined || typeof data.kind !== "string") return null;
  const classes = classCountOf(data);
  return classes === null ? null : Math.min(1, k / classes) * 100;
}
