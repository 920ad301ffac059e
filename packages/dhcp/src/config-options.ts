import { z } from 'zod';
import { compileOptions, OptionValueError } from './codec/option-value.js';
import { isTagName, parseTagExpression } from './tag-expression.js';
import { compileMatchRule, type MatchRuleConfig } from './tags.js';

/** A tag name as `set:` and reservation `tags` give it. */
export const dhcpTagName = z.string().superRefine((name, ctx) => {
  if (!isTagName(name))
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(name)} is not a tag name (letters, digits, _ . @ + -)` });
});

/** A tag expression (dnsmasq `tag:a,tag:!b`): every condition must hold; `!` = the tag is not set. */
export const dhcpTagExpression = z.string().superRefine((text, ctx) => {
  try {
    parseTagExpression(text);
  } catch (err) {
    if (!(err instanceof OptionValueError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
  }
});

/** A value of a free-form option: typed against the option table when the config loads. */
const optionValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]);

/** `options:` (dnsmasq dhcp-option): code or name -> value; a bad value is reported under its key. */
export const dhcpOptionMap = z.record(z.string(), optionValue).superRefine((map, ctx) => {
  for (const [key, value] of Object.entries(map)) {
    try {
      compileOptions({ [key]: value });
    } catch (err) {
      if (!(err instanceof OptionValueError)) throw err;
      ctx.addIssue({ code: 'custom', path: [key], message: err.message.replace(/^[^:]*: /, '') });
    }
  }
});

/** `match:` (dnsmasq dhcp-match, dhcp-vendorclass, dhcp-userclass, dhcp-mac): set a tag from the request. */
export const dhcpMatchRule = z
  .object({
    set: dhcpTagName,
    option: z.union([z.string(), z.number()]).optional(),
    value: z.union([z.string(), z.number()]).optional(),
    mac: z.string().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    try {
      compileMatchRule(rule as MatchRuleConfig);
    } catch (err) {
      if (!(err instanceof OptionValueError)) throw err;
      ctx.addIssue({ code: 'custom', path: [rule.mac !== undefined ? 'mac' : 'option'], message: err.message });
    }
  });

/** `tags.<expression>:` (dnsmasq dhcp-option=tag:a,tag:!b,... and dhcp-boot=tag:a,tag:!b,...). */
export const dhcpTagOptions = z
  .object({
    options: dhcpOptionMap.optional(),
    bootFile: z.string().min(1).optional(),
  })
  .strict();

/** `tags:`: tag expression -> what its clients get; a bad expression is reported under its key. */
export const dhcpTagMap = z.record(z.string(), dhcpTagOptions).superRefine((map, ctx) => {
  for (const key of Object.keys(map)) {
    try {
      parseTagExpression(key);
    } catch (err) {
      if (!(err instanceof OptionValueError)) throw err;
      ctx.addIssue({ code: 'custom', path: [key], message: err.message });
    }
  }
});
