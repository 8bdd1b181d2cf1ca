// The baseline for API throughput: a bare Fastify route answering a fixed JSON document.
import Fastify from 'fastify';

const app = Fastify();
const doc = {
  items: Array.from({ length: 100 }, (_, i) => ({ id: `gw-${i}`, name: `gw-${i}`, address: `10.0.0.${i}` })),
};
app.get('/bare', async () => doc);
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`${address}\n`);
