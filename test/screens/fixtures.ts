import type {CardOverview, CertificateView, PlanItemView, Progress} from '../../source/upgrade/state.js';

/** Made by code, for the screens: a card with an old HSA-id credential, the plan, progress values. */
export function certificate(overrides: Partial<CertificateView> = {}): CertificateView {
  return {
    slot: 0x9a,
    slotName: '9A',
    purpose: 'authentication',
    identityKind: 'hsa-id',
    subjectName: 'Anna Andersson',
    issuerName: 'SITHS e-id Person ID 3 CA v1',
    serial: '0a1b2c',
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2030-06-30T12:00:00Z'),
    isNew: false,
    ...overrides,
  };
}

export const oldCard: CardOverview = {
  readerName: 'Virtual PCD 00 00',
  holder: 'Anna Andersson',
  hsaId: 'SE2321000016-1003',
  cardNumber: '9752269000000123',
  certificates: [
    certificate(),
    certificate({slot: 0x9c, slotName: '9C', purpose: 'signature', serial: '0a1b2d'}),
  ],
  pinTriesLeft: 3,
  isUpgraded: false,
  pinCount: 1,
};

export const plan: PlanItemView[] = [
  {
    identityKind: 'personnummer',
    purpose: 'authentication',
    slot: 0x82,
    slotName: '82',
    keyAlgorithm: 'rsa-2048',
  },
  {identityKind: 'personnummer', purpose: 'signature', slot: 0x83, slotName: '83', keyAlgorithm: 'rsa-2048'},
  {identityKind: 'hsa-id', purpose: 'authentication', slot: 0x9a, slotName: '9A', keyAlgorithm: 'rsa-2048'},
  {identityKind: 'hsa-id', purpose: 'signature', slot: 0x9c, slotName: '9C', keyAlgorithm: 'rsa-2048'},
];

export function progress(overrides: Partial<Progress> = {}): Progress {
  return {
    fraction: 0.42,
    activity: 'generating-key',
    currentItem: plan[0],
    elapsedMs: 12_000,
    estimatedRemainingMs: 25_000,
    isIndeterminate: false,
    ...overrides,
  };
}

export const newCertificates: CertificateView[] = plan.map((item, index) =>
  certificate({
    slot: item.slot,
    slotName: item.slotName,
    purpose: item.purpose,
    identityKind: item.identityKind,
    issuerName: 'SITHS e-id Person ID 4 CA v1',
    serial: `7f00${index}`,
    notAfter: new Date('2031-01-31T12:00:00Z'),
    isNew: true,
  }),
);

/** Long enough to scroll at 80x24. */
export const termsText = Array.from(
  {length: 12},
  (_, index) =>
    `${index + 1}. Certifikaten på kortet är personliga. Du ansvarar för att kortet och PIN-koden förvaras åtskilda och att ingen annan använder dem.`,
).join('\n\n');
