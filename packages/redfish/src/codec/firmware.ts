/** Bios and SecureBoot resources. */
import type { BiosAttributes, Node } from '@bmc-emu/core';
import { uri } from './uris.js';

export function biosResource(n: Node) {
  return {
    '@odata.type': '#Bios.v1_2_0.Bios',
    '@odata.id': uri.bios(n.id),
    Id: 'BIOS',
    Name: 'BIOS Configuration Current Settings',
    AttributeRegistry: 'BiosAttributeRegistry.v1_0_0',
    Attributes: { ...n.bios.attributes },
    '@Redfish.Settings': {
      '@odata.type': '#Settings.v1_3_5.Settings',
      SettingsObject: { '@odata.id': uri.biosSettings(n.id) },
      SupportedApplyTimes: ['OnReset'],
    },
    Actions: {
      '#Bios.ResetBios': { target: `${uri.bios(n.id)}/Actions/Bios.ResetBios` },
      '#Bios.ChangePassword': { target: `${uri.bios(n.id)}/Actions/Bios.ChangePassword` },
    },
  };
}

/** The pending settings object: current values overlaid with what applies at the next reset. */
export function biosSettingsResource(n: Node) {
  const attrs: BiosAttributes = { ...n.bios.attributes, ...n.bios.pending };
  return {
    '@odata.type': '#Bios.v1_2_0.Bios',
    '@odata.id': uri.biosSettings(n.id),
    Id: 'Settings',
    Name: 'BIOS Configuration Pending Settings',
    AttributeRegistry: 'BiosAttributeRegistry.v1_0_0',
    Attributes: attrs,
  };
}

export function secureBootResource(n: Node) {
  return {
    '@odata.type': '#SecureBoot.v1_1_0.SecureBoot',
    '@odata.id': uri.secureBoot(n.id),
    Id: 'SecureBoot',
    Name: 'UEFI Secure Boot',
    SecureBootEnable: n.secureBoot.enabled,
    SecureBootCurrentBoot: n.secureBoot.currentBoot ? 'Enabled' : 'Disabled',
    SecureBootMode: n.secureBoot.enabled ? 'DeployedMode' : 'SetupMode',
    Actions: {
      '#SecureBoot.ResetKeys': {
        target: `${uri.secureBoot(n.id)}/Actions/SecureBoot.ResetKeys`,
        'ResetKeysType@Redfish.AllowableValues': ['ResetAllKeysToDefault', 'DeleteAllKeys', 'DeletePK'],
      },
    },
  };
}
