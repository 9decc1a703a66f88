// Every command of `keyward`, in the order `keyward --help` lists them.
import type { Command } from "./command";
import { ADMIN_COMMANDS } from "./commands";
import { TENANT_COMMANDS } from "./tenantCommands";
import { RECORD_COMMANDS } from "./recordCommands";
import { MEMBER_COMMANDS } from "./memberCommands";
import { LOCAL_KEYVAULT_COMMANDS } from "./local/keyvaultCommands";
import { LOCAL_ROLE_COMMANDS } from "./local/roleCommands";

export const API_COMMANDS: Command[] = [...ADMIN_COMMANDS, ...MEMBER_COMMANDS, ...TENANT_COMMANDS, ...RECORD_COMMANDS];
export const LOCAL_COMMANDS: Command[] = [...LOCAL_KEYVAULT_COMMANDS, ...LOCAL_ROLE_COMMANDS];
export const COMMANDS: Command[] = [...API_COMMANDS, ...LOCAL_COMMANDS];
