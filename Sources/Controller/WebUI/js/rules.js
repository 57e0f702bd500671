// The API's field rules, checked in the browser so a mistake shows next to its field before
// anything is sent. Each rule returns the value as the API would store it, or throws the
// message (without the field's name). The API applies the same rules again and stays the judge.

const invisible = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Z}\p{Co}\p{Cn}\p{Cs}]/u;
const asciiLabel = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** One label as IDNA writes it (`bücher` → `xn--bcher-kva`), or null when it cannot be one. */
function toASCII(label) {
  if (/^[\x21-\x7e]*$/.test(label)) return label;
  try {
    return new URL(`http://${label}.example`).hostname.slice(0, -".example".length);
  } catch {
    return null;
  }
}

/** A domain name: labels of letters, digits and inner hyphens, IDNs to punycode, a wildcard
 * only as the whole leftmost label, at least two labels, at most 253 bytes. */
export function domainName(value, { singleLabel = false } = {}) {
  const hidden = value.match(invisible);
  if (hidden) {
    const code = hidden[0].codePointAt(0).toString(16).toUpperCase();
    throw `\`${value}\` contains an invisible or unassigned character (U+${code})`;
  }
  const name = value.replace(/[\u3002\uFF0E\uFF61]/g, ".").normalize("NFKC").toLowerCase();
  if (name === "") throw "must not be empty";
  if (/[\x00-\x20{}/\\]/.test(name)) throw `\`${value}\` is not a domain name`;
  const labels = name.split(".").map((label, index) => {
    if (label === "*" && index === 0) return label;
    const ascii = toASCII(label);
    if (ascii === null || !asciiLabel.test(ascii)) {
      throw `\`${value}\` is not a domain name (labels are 1-63 letters, digits or inner hyphens)`;
    }
    return ascii;
  });
  if (labels.length < 2 && !(singleLabel && labels[0] !== "*")) {
    throw `\`${value}\` is not a domain name (it needs at least two labels, as in example.com)`;
  }
  const ascii = labels.join(".");
  if (ascii.length > 253) throw "is longer than 253 bytes";
  return ascii;
}

/** An upstream host: a host name (ASCII) or an IP address. */
export function host(value) {
  const bracketed = value.replace(/^\[(.*)\]$/, "$1");
  if (bracketed.includes(":")) {
    try {
      return new URL(`http://[${bracketed}]/`).hostname.slice(1, -1);
    } catch {
      throw "must be a host name or an IP address";
    }
  }
  if (!/^[\x21-\x7e]+$/.test(value) || value.includes("*")) throw "must be a host name (ASCII) or an IP address";
  try {
    return domainName(value, { singleLabel: true });
  } catch {
    throw "must be a host name or an IP address";
  }
}

export function port(value) {
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw "must be a port number, 1-65535";
  return value;
}

/** A URL path prefix such as `/api`. */
export function pathPrefix(value) {
  if (!/^\/[A-Za-z0-9\-._~!$&'()+,;=:@%/]*$/.test(value) || value.length > 1024) {
    throw "must start with / and use URL path characters only";
  }
  return value;
}

/** Free text shown to people: no control characters, no braces, at most `maxLength` bytes. */
export function text(value, { maxLength = 255 } = {}) {
  if (value.trim() === "") throw "must not be empty";
  if (new TextEncoder().encode(value).length > maxLength) throw `is longer than ${maxLength} bytes`;
  if (/[\x00-\x1f\x7f]/.test(value)) throw "must not contain control characters (CR, LF, NUL, ...)";
  if (/[{}]/.test(value)) throw "must not contain `{` or `}`";
  return value;
}

/** An HTTP header name (RFC 9110 token). */
export function headerName(value) {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/.test(value)) throw "is not a valid HTTP header name";
  return value;
}

export const headerPlaceholders = ["{host}", "{method}", "{remote_host}", "{scheme}", "{uri}"];

/** An HTTP header value: no control characters; braces only as an allowed placeholder. */
export function headerValue(value) {
  if (new TextEncoder().encode(value).length > 4096) throw "is longer than 4096 bytes";
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw "must not contain control characters (CR, LF, NUL, ...)";
  if (/[{}]/.test(value.replace(/\{(remote_host|scheme|host|method|uri)\}/g, ""))) {
    throw `may use only the placeholders ${headerPlaceholders.join(", ")}`;
  }
  return value;
}

function ipv4(value) {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
}

function ipv6(value) {
  if (!value.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(value)) return false;
  try {
    new URL(`http://[${value}]/`);
    return true;
  } catch {
    return false;
  }
}

/** An IP address or a CIDR range. */
export function cidr(value) {
  const [address, bits, ...rest] = value.split("/");
  const v4 = ipv4(address);
  if (rest.length > 0 || !(v4 || ipv6(address))) throw `\`${value}\` is not an IP address or CIDR range`;
  if (bits !== undefined && (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > (v4 ? 32 : 128))) {
    throw `\`${value}\` has an invalid prefix length`;
  }
  return value;
}

/** An IPv4 address in dotted form. */
export function ipv4Address(value) {
  if (!ipv4(value)) throw "must be an IPv4 address";
  return value;
}
