// Prisma CLI configuration: the WebAssembly schema engine through @prisma/adapter-pg, so that
// `prisma generate` and `prisma migrate` run offline (docs/adr/0002-prisma-offline.md).
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

function connectionFields(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
  };
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    const url = process.env.DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/epic';
    const shadow = process.env.SHADOW_DATABASE_URL;
    return new PrismaPg(
      connectionFields(url),
      shadow ? ({ shadowDatabase: connectionFields(shadow) } as never) : undefined,
    );
  },
});
