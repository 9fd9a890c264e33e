import type { Engine } from '../engine.ts';
import { createConnectTunnel } from '../app/tunnel.ts';
import { createHttpStreams, HTTP_TCP_PORTS, type HttpStreams } from './index.ts';

const byEngine = new WeakMap<Engine, HttpStreams>();

/**
 * Registers HTTP (and HTTP/2 on top of it: h2c upgrade and prior knowledge) with the TCP
 * dispatcher on Wireshark 4.0's HTTP ports and as a heuristic. The TLS side gets the same
 * instance with `httpStreams(engine)` to feed decrypted application data.
 */
export function registerHttp(engine: Engine): HttpStreams {
  const http = createHttpStreams(engine.reg, engine.dataDissector);
  byEngine.set(engine, http);
  engine.tcpApps.register(http.tcpApp(createConnectTunnel(engine.tcpApps)), HTTP_TCP_PORTS);
  engine.udp.port(1900, http.ssdp());
  return http;
}

/** The HTTP streams registered with `engine` (undefined before `registerHttp`). */
export function httpStreams(engine: Engine): HttpStreams | undefined {
  return byEngine.get(engine);
}
