/**
 * Training: losses, optimizers and the training loop that runs the probes.
 */
export * from './losses';
export * from './optimizers';
export * from './clipping';
export * from './progress';
export * from './train';
