export const webRoot = new URL('../public/', import.meta.url);
