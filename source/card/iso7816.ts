/**
 * The interindustry instructions of ISO/IEC 7816-4 (clause 11), 7816-8 and 7816-9 that PKCS#15 cards answer: the
 * host side (source/card/pkcs15/) and the virtual EID card (source/card/virtual/eid/) send and take the same bytes.
 */
export const INS_SELECT = 0xa4;
export const INS_READ_BINARY = 0xb0;
export const INS_UPDATE_BINARY = 0xd6;
export const INS_CREATE_FILE = 0xe0;
export const INS_DELETE_FILE = 0xe4;
export const INS_ACTIVATE_FILE = 0x44;
export const INS_VERIFY = 0x20;
export const INS_CHANGE_REFERENCE_DATA = 0x24;
export const INS_RESET_RETRY_COUNTER = 0x2c;
export const INS_MANAGE_SECURITY_ENVIRONMENT = 0x22;
export const INS_PERFORM_SECURITY_OPERATION = 0x2a;
export const INS_GENERATE_KEY_PAIR = 0x46;
export const INS_GET_DATA = 0xca;
export const INS_GET_CHALLENGE = 0x84;
