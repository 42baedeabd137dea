/** tf.nn.functional (alias tf.F): layer functions, distances and losses. */
export * from './functional';
export * from './losses';
export * from './functional_vision';
