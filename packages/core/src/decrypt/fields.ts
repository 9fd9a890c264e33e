/**
 * tlslens-specific decryption fields (not in Wireshark): what was derived and why a connection
 * does or does not decrypt. Added only when key material is loaded, so keyless output is
 * unchanged.
 */
import type { Registry } from '../fields/registry.ts';
import type { FieldSpec } from '../fields/types.ts';

const SPECS = {
  'tls.tlslens.decryption_status': { name: 'Decryption status', type: 'string' },
  'tls.tlslens.decryption_status_code': { name: 'Decryption status code', type: 'string' },
  'tls.tlslens.decrypted': { name: 'Record decrypted', type: 'bool' },
  'tls.tlslens.decryption_failure': { name: 'Record decryption failure', type: 'string' },
  'tls.tlslens.client_random': { name: 'Client random (key log lookup)', type: 'bytes' },
  'tls.tlslens.master_secret': { name: 'Master secret', type: 'bytes' },
  'tls.tlslens.client_write_mac_key': { name: 'Client write MAC key', type: 'bytes' },
  'tls.tlslens.server_write_mac_key': { name: 'Server write MAC key', type: 'bytes' },
  'tls.tlslens.client_write_key': { name: 'Client write key', type: 'bytes' },
  'tls.tlslens.server_write_key': { name: 'Server write key', type: 'bytes' },
  'tls.tlslens.client_write_iv': { name: 'Client write IV', type: 'bytes' },
  'tls.tlslens.server_write_iv': { name: 'Server write IV', type: 'bytes' },
  'tls.tlslens.client_handshake_traffic_secret': { name: 'Client handshake traffic secret', type: 'bytes' },
  'tls.tlslens.server_handshake_traffic_secret': { name: 'Server handshake traffic secret', type: 'bytes' },
  'tls.tlslens.client_traffic_secret': { name: 'Client application traffic secret', type: 'bytes' },
  'tls.tlslens.server_traffic_secret': { name: 'Server application traffic secret', type: 'bytes' },
  'tls.tlslens.client_early_traffic_secret': { name: 'Client early traffic secret', type: 'bytes' },
  'tls.tlslens.finished_verified': { name: 'Finished verified', type: 'bool' },
  'tls.tlslens.resumed': { name: 'Resumed session', type: 'bool' },
} satisfies Record<string, FieldSpec>;

export type DecryptFieldName = keyof typeof SPECS;
export type DecryptFields = Readonly<Record<DecryptFieldName, number>>;

export function registerDecryptFields(reg: Registry): DecryptFields {
  return reg.fields('tls', SPECS as Record<DecryptFieldName, FieldSpec>);
}
