/**
 * Makes proto-loader's file descriptors complete enough for any reflection client.
 *
 * proto-loader (through protobufjs) describes each package as one synthetic file, with type names
 * relative to the package and no `dependency` list. @grpc/reflection serves them as they are, and a
 * strict client cannot resolve a type from another file: grpcurl (Go's protodesc) fails with
 * `"*.io.cloudevents.v1.CloudEvent" not found` (grpc-node issue 2595). This rewrites every reference to
 * its fully qualified form (`.io.cloudevents.v1.CloudEvent`), lists the files referenced as imports,
 * and names map entry messages as protoc does (`AttributesEntry` for `attributes`, not `Attributes`).
 */
import type { PackageDefinition } from '@grpc/proto-loader';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import type { IDescriptorProto, IFileDescriptorProto } from 'protobufjs/ext/descriptor/index.js';

interface Scoped {
  readonly scope: string;
  readonly message: IDescriptorProto;
}

function messagesOf(file: IFileDescriptorProto): Scoped[] {
  const all: Scoped[] = [];
  const walk = (scope: string, messages: readonly IDescriptorProto[] | undefined) => {
    for (const message of messages ?? []) {
      all.push({ scope, message });
      walk(`${scope}.${message.name}`, message.nestedType);
    }
  };
  walk(file.package ?? '', file.messageType);
  return all;
}

/** protoc's name of a map field's entry message: `attributes` → `AttributesEntry`, `by_id` → `ByIdEntry`. */
function mapEntryName(field: string): string {
  return `${field.replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/_/g, '')}Entry`;
}

function renameMapEntries(file: IFileDescriptorProto): void {
  for (const { message } of messagesOf(file)) {
    for (const field of message.field ?? []) {
      const entry = message.nestedType?.find((n) => n.options?.mapEntry === true && (field.typeName === n.name || field.typeName?.endsWith(`.${n.name}`) === true));
      if (entry === undefined || field.name === undefined) continue;
      entry.name = mapEntryName(field.name);
      field.typeName = entry.name;
    }
  }
}

/** Every message and enum of the files, by fully qualified name (no leading dot), to its file's name. */
function symbolTable(files: readonly IFileDescriptorProto[]): Map<string, string> {
  const symbols = new Map<string, string>();
  for (const file of files) {
    const name = file.name ?? '';
    for (const e of file.enumType ?? []) symbols.set(`${file.package}.${e.name}`, name);
    for (const { scope, message } of messagesOf(file)) {
      symbols.set(`${scope}.${message.name}`, name);
      for (const e of message.enumType ?? []) symbols.set(`${scope}.${message.name}.${e.name}`, name);
    }
  }
  return symbols;
}

/** The fully qualified name `ref` means inside `scope`, searched outwards as protoc does. */
function resolve(ref: string, scope: string, symbols: ReadonlyMap<string, string>): string | undefined {
  if (ref.startsWith('.')) return symbols.has(ref.slice(1)) ? ref.slice(1) : undefined;
  for (let at = scope; ; at = at.slice(0, Math.max(0, at.lastIndexOf('.')))) {
    const candidate = at === '' ? ref : `${at}.${ref}`;
    if (symbols.has(candidate)) return candidate;
    if (at === '') return undefined;
  }
}

export function withResolvedImports(definition: PackageDefinition): PackageDefinition {
  const files = new Map<string, IFileDescriptorProto>();
  for (const entry of Object.values(definition)) {
    for (const bytes of (entry as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos ?? []) {
      const file = descriptor.FileDescriptorProto.decode(bytes) as IFileDescriptorProto;
      if (file.name === undefined || files.has(file.name)) continue;
      renameMapEntries(file);
      files.set(file.name, file);
    }
  }
  const symbols = symbolTable([...files.values()]);
  const encoded = new Map<string, Buffer>();
  for (const [name, file] of files) {
    const imports = new Set<string>();
    const qualify = (ref: string | undefined, scope: string): string | undefined => {
      if (ref === undefined || ref === '') return ref;
      const fqn = resolve(ref, scope, symbols);
      if (fqn === undefined) return ref;
      const home = symbols.get(fqn);
      if (home !== undefined && home !== name) imports.add(home);
      return `.${fqn}`;
    };
    for (const { scope, message } of messagesOf(file)) {
      const inside = `${scope}.${message.name}`;
      for (const field of message.field ?? []) {
        const typeName = qualify(field.typeName, inside);
        if (typeName !== undefined) field.typeName = typeName;
      }
    }
    for (const service of file.service ?? []) {
      for (const method of service.method ?? []) {
        const input = qualify(method.inputType, file.package ?? '');
        const output = qualify(method.outputType, file.package ?? '');
        if (input !== undefined) method.inputType = input;
        if (output !== undefined) method.outputType = output;
      }
    }
    file.dependency = [...imports].sort();
    encoded.set(name, Buffer.from(descriptor.FileDescriptorProto.encode(file).finish()));
  }
  const fixed: PackageDefinition = {};
  for (const [key, entry] of Object.entries(definition)) {
    const protos = (entry as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos;
    fixed[key] = protos === undefined ? entry : {
      ...entry,
      fileDescriptorProtos: protos.map((bytes) => encoded.get((descriptor.FileDescriptorProto.decode(bytes) as IFileDescriptorProto).name ?? '') ?? bytes),
    } as typeof entry;
  }
  return fixed;
}
