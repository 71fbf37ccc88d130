// @ts-check
'use strict';
/**
 * The Jupyter wire protocol (messaging spec 5.3): parsing, signing and building messages.
 * https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol
 */
const crypto = require('crypto');

const PROTOCOL_VERSION = '5.3';
const DELIM = Buffer.from('<IDS|MSG>');

function newId() {
  return crypto.randomUUID().replace(/-/g, '');
}

function signer(key, scheme = 'hmac-sha256') {
  if (!key) return () => '';
  const algorithm = scheme.replace(/^hmac-/, '');
  return (parts) => {
    const hmac = crypto.createHmac(algorithm, key);
    for (const part of parts) hmac.update(part);
    return hmac.digest('hex');
  };
}

/** Parses the frames of one message; throws when the signature is wrong. */
function parse(frames, sign) {
  let index = frames.findIndex((frame) => DELIM.equals(frame));
  if (index < 0) throw new Error('message without <IDS|MSG> delimiter');
  const identities = frames.slice(0, index);
  const signature = frames[index + 1].toString();
  const parts = frames.slice(index + 2, index + 6);
  if (parts.length < 4) throw new Error('message with fewer than four parts');
  const expected = sign(parts);
  if (expected) {
    const a = Buffer.from(signature);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) throw new Error('message with a wrong signature');
  }
  const [header, parent, metadata, content] = parts.map((part) => JSON.parse(part.toString() || '{}'));
  return { identities, header, parent_header: parent, metadata, content, buffers: frames.slice(index + 6) };
}

/** Builds the frames of a message. */
/**
 * @param {{identities?: any[], header: object, parent_header?: object, metadata?: object, content?: object, buffers?: any[]}} message
 * @param {(parts: Buffer[]) => string} sign
 */
function serialize({ identities = [], header, parent_header = {}, metadata = {}, content = {}, buffers = [] }, sign) {
  const parts = [header, parent_header, metadata, content].map((part) => Buffer.from(JSON.stringify(part)));
  return [...identities, DELIM, Buffer.from(sign(parts)), ...parts, ...buffers];
}

function header(msgType, session, username = 'kernel') {
  return {
    msg_id: newId(),
    msg_type: msgType,
    username,
    session,
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}

module.exports = { PROTOCOL_VERSION, DELIM, newId, signer, parse, serialize, header };
