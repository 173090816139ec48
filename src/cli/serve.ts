import * as fs from 'fs';
import * as path from 'path';
import { startServer } from '../web/server';
import { Command, UsageError, intOption } from './args';

/** `hwr serve`: the draw-and-predict web app and the saved models on http://127.0.0.1. */
export const serveCommand: Command = {
  name: 'serve',
  usage: 'serve [--port 8080] [--models saved_models]',
  summary: 'Serve the draw-and-predict web app and the saved models on 127.0.0.1 (static files only;\n' +
    'the models run in the browser). Build the app first with npm run build:web (npm ci does it).',
  options: {
    port: { type: 'string', short: 'p', help: 'port to listen on (0: any free port)', default: '8080' },
    models: { type: 'string', short: 'm', help: 'folder of saved models to offer', default: 'saved_models if present, else the models built into the app' },
    app: { type: 'string', help: 'folder of the built app', default: 'dist/web of this package' },
  },
  async run(values) {
    const port = intOption(values, 'port', 8080);
    if (port > 65535) throw new UsageError(`--port must be 0..65535, got ${port}.`);
    let modelsDir = values.models === undefined ? undefined : String(values.models);
    if (modelsDir !== undefined && !fs.existsSync(modelsDir)) {
      throw new UsageError(`--models ${modelsDir}: no such folder. Pass the folder that holds your saved models (e.g. saved_models).`);
    }
    if (modelsDir === undefined && fs.existsSync('saved_models')) modelsDir = 'saved_models';
    const server = await startServer({ port, modelsDir, appDir: values.app === undefined ? undefined : String(values.app) });
    const models = server.index.models.map((m) => m.id);
    console.log(`Serving the handwriting web app at ${server.url}`);
    console.log(`  app:    ${server.appDir}`);
    console.log(`  models: ${server.modelsDir ? path.relative(process.cwd(), server.modelsDir) || '.' : 'built into the app'} (${models.join(', ') || 'none'})`);
    for (const s of server.skipped) console.log(`  skipped ${s.id}: ${s.reason}`);
    console.log('Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
