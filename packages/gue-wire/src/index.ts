export * from './constants.js';
export * from './bytes.js';
export * from './gue-header.js';
export * from './keepalive.js';
export * from './maps.js';
export * from './packet.js';
export * from './vectors.js';
