import type { Registry } from '../fields/registry.ts';
import { createLdap, LDAP_PORTS } from './ldap.ts';
import { createMysql, MYSQL_PORT } from './mysql.ts';
import { createPgsql, PGSQL_PORT } from './pgsql.ts';
import type { TcpDispatcher } from './tcp-dispatch.ts';
import { TlsUpgrade } from './upgrade.ts';
import { createXmpp, XMPP_PORT } from './xmpp.ts';

/** Registers the protocols that switch to TLS mid-stream (MySQL, PostgreSQL, LDAP, XMPP) on Wireshark 4.0's ports. */
export function registerTlsUpgradeApps(reg: Registry, apps: TcpDispatcher): void {
  const upgrade = new TlsUpgrade(apps);
  apps.register({ name: 'mysql', handle: createMysql(reg, upgrade) }, [MYSQL_PORT]);
  apps.register({ name: 'pgsql', handle: createPgsql(reg, upgrade) }, [PGSQL_PORT]);
  apps.register({ name: 'ldap', handle: createLdap(reg, upgrade) }, LDAP_PORTS);
  apps.register({ name: 'xmpp', handle: createXmpp(reg, upgrade) }, [XMPP_PORT]);
}
