/** The `crossgate` subcommands, in help order. Add new commands here. */
import type { Command } from '../command.js';
import { cometbftCommand } from './cometbft.js';
import { dlqCommand } from './dlq.js';
import { fabricCommand } from './fabric.js';
import { keysCommand } from './keys.js';
import { verifyCommand } from './verify.js';

export const commands: readonly Command[] = [verifyCommand, keysCommand, dlqCommand, fabricCommand, cometbftCommand];
