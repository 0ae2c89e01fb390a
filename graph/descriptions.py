"""The SDL's descriptions of what the code does not describe where it declares it: the
domain's enums (``schema.enums`` imports no GraphQL), the roots' fields and arguments,
and the plain fields of types. ``describe`` fills them into the built schema; where the
code gives a description, the code's stands (a test refuses an entry that would be
shadowed, or that names nothing in the schema).

Keys are schema coordinates: ``Type``, ``Type.field``, ``Type.field(argument)``,
``Enum.VALUE``, ``Input.field``. Connection and edge types, and the ``first`` and
``after`` arguments of connection fields, are described by ``describe`` from their
pattern.
"""

from collections.abc import Iterator, Mapping

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    specified_scalar_types,
)

Described = GraphQLNamedType | GraphQLField | GraphQLArgument | GraphQLEnumValue | GraphQLInputField

GUARDED = "Null when withheld (see redactions) or not recorded."
ID_OF = "The {}'s id: a UUID, time-ordered. Never a personal identity code."
CLIENT_ID = "The client's id (Client.id)."
FIRST = "At most this many rows: 0 to 100, 20 when not given."
AFTER = "The previous page's pageInfo.endCursor; not given for the first page."

DESCRIPTIONS: Mapping[str, str] = {
    # ---- the consent ledger's transparency log (docs/ledger.md, docs/audit.md) --------------
    "Query.ledgerCheckpoint": "The latest checkpoint of the ledger's global Merkle log, or the "
    "one of that tree size; null when there is none. Public to every authenticated caller.",
    "Query.ledgerCheckpoint(treeSize)": "The tree size of a stored checkpoint; not given: the "
    "latest.",
    "Query.ledgerConsistencyProof": "The RFC 9162 consistency proof between two tree sizes of "
    "the log: base64 hashes in RFC 9162 order (that of Go's sumdb/tlog). Sizes outside the "
    "log are BAD_USER_INPUT.",
    "Query.ledgerConsistencyProof(fromSize)": "The older tree size, at least 1.",
    "Query.ledgerConsistencyProof(toSize)": "The newer tree size, at most the log's size.",
    "Query.ledgerInclusionProof": "The RFC 9162 inclusion proof of one log entry (leaf = the "
    "event's 32-byte SHA-256 hash): base64 hashes in RFC 9162 order.",
    "Query.ledgerInclusionProof(index)": "The entry's log index (an event's logIndex), from 0.",
    "Query.ledgerInclusionProof(treeSize)": "The tree the proof is for; not given: the latest "
    "checkpoint's.",
    "Query.ledgerPublicKey": "The log's note verifier key, "
    "<origin>+<key id as 8 hex digits>+base64(0x01 ‖ Ed25519 public key), as Go's "
    "sumdb/note reads it. LOG_UNAVAILABLE when the log is not configured.",
    "Query.ledgerPublicKeyPem": "The same Ed25519 public key in PEM (SubjectPublicKeyInfo).",
    "Query.consentReceipt": "A receipt for one ledger event, in the JSON layout of "
    "docs/ledger.md (event, hash, logIndex, treeSize, inclusionProof, checkpoint, "
    "verifierKey, consentRecord), verifiable offline with the verifier key alone; null when "
    "the event does not exist for the caller (who may read the client's CONSENT category, "
    "a dpo its organisation's events). An event in no checkpoint yet is CONFLICT.",
    "Query.consentReceipt(eventId)": "ConsentEvent.id.",
    "Query.verifyLedger": "A dpo verifies the whole ledger: every event's hash and chain link, "
    "the log rebuilt from its leaves, every checkpoint's root, signature and consistency "
    "with the one before. The first break is named.",
    "Mutation.createCheckpoint": "A dpo integrates every new event into the log and signs a "
    "checkpoint if the log grew (else answers the latest), then asks the configured "
    "witnesses to cosign. Never signs a log inconsistent with an earlier checkpoint "
    "(LEDGER_BROKEN).",
    "LedgerCheckpoint.treeSize": "How many events the log held when it was signed.",
    "LedgerCheckpoint.createdAt": "When it was signed.",
    "LedgerCheckpoint.previousTreeSize": "The tree size of the checkpoint before it; null for "
    "the first.",
    "LedgerVerification.ok": "Whether everything verified.",
    "LedgerVerification.events": "Events checked.",
    "LedgerVerification.chains": "Clients' chains checked.",
    "LedgerVerification.problem": "What the first break is; null when ok.",
    # ---- roots --------------------------------------------------------------------------
    "Query": "What a caller may read. Every read is decided field by field and logged.",
    "Query.organisations": "Kela, the City of Helsinki and the 21 wellbeing services "
    "counties, with their names in Finnish and Swedish: the ids that organisationId, "
    "granteeId and recipientId take.",
    "Query.client": "The client, or null when no such client exists for the caller (no "
    "relation to them), with no error.",
    "Query.client(id)": "Client.id. A value that is not an id answers null.",
    "Query.clientByPersonalId": "The client with this personal identity code; null when there "
    "is none, or the caller may not see personal identity codes (PERSONAL_ID). Rate limited.",
    "Query.clientByPersonalId(personalId)": "A personal identity code, e.g. 010180-901T; an "
    "invalid code (date, century sign, check character) is BAD_USER_INPUT.",
    "Query.clients": "The clients that exist for the caller (those they have a relation to), "
    "a page at a time: by registration, or by name with orderBy: NAME.",
    "Query.noticeInbox": "Notices of the caller's organisation, oldest first (a work queue): "
    "received (the default), sent, or both. Empty for callers who are not staff.",
    "Query.noticeInbox(status)": "Only notices in these statuses (at most 10).",
    "Query.noticeInbox(type)": "Only notices of these types (at most 20).",
    "Query.noticeInbox(direction)": "RECEIVED: sent to the caller's organisation; SENT: sent by "
    "it (the sender's feedback: status, outcome, responsible worker); BOTH.",
    "Query.noticeInbox(overdue)": "true: only open notices past their due time (traffic light "
    "RED); false: only the others; not given: all.",
    "Query.notice": "The notice, or null when the caller may not know of it.",
    "Query.notice(id)": "Notice.id.",
    "Query.consentLedger": "The client's consent ledger, event by event in seq order, as "
    "hashed: what was recorded, by whom, and the chain's hashes. A dpo sees the events their "
    "organisation recorded or is the party of. Empty for a client that does not exist for "
    "the caller.",
    "Query.consentLedger(clientId)": CLIENT_ID,
    "Query.changes": "The change feed for integrations: everything the caller may see that "
    "changed after since, oldest first, each entity as a normal read shows it now. See "
    "docs/integration.md.",
    "Query.changes(since)": "The endCursor of the previous page of this feed; not given to "
    "start from the beginning.",
    "Query.changes(first)": FIRST,
    "Mutation": "What a caller may write. An operation with any error writes nothing; each "
    "answer is the written object, guarded as any read.",
    "Mutation.registerClient": "Registers a client, or, when the personal identity code "
    "already is a client, opens the caller's organisation's client relationship with them "
    "and answers the client as the caller now sees them (the input does not overwrite "
    "their data). Staff only; rate limited.",
    "Mutation.registerClient(input)": "The client's data and the purpose of registering.",
    "Mutation.updateClient": "Changes the given fields of a client; a field not given (or "
    "null) stays as it is.",
    "Mutation.updateClient(id)": "Client.id.",
    "Mutation.updateClient(input)": "The fields to change.",
    "Mutation.recordGuardianship": "Records a guardianship over a client (staff): the "
    "guardian may then act for the ward as their kind allows.",
    "Mutation.recordGuardianship(input)": "The ward, the guardian and the kind.",
    "Mutation.savePlan": "Saves a new version of the client's plan (the responsible "
    "organiser's staff). Send the version you edited as expectedVersion; if someone saved in "
    "between, CONFLICT names the current version: reload, merge and save again.",
    "Mutation.savePlan(clientId)": CLIENT_ID,
    "Mutation.savePlan(input)": "The whole plan as it should now be (not a patch).",
    "Mutation.savePlan(expectedVersion)": "The version you edited: none, or 0, for the first plan.",
    "Mutation.recordApplication": "Records a basic-assistance application received at Kela "
    "(Kela staff); idempotent on externalId when given.",
    "Mutation.recordApplication(input)": "The application.",
    "Mutation.updateApplication": "Moves an application's status or records its urgency "
    "assessment (Kela staff). What is not given stays.",
    "Mutation.updateApplication(id)": "Application.id.",
    "Mutation.updateApplication(status)": "The new status.",
    "Mutation.updateApplication(urgency)": "The urgency assessment; the assessor and time are "
    "recorded from the caller.",
    "Mutation.requestInformation": "Asks the client for more information on an application "
    "(Kela staff); the application waits for information until every request is answered.",
    "Mutation.requestInformation(applicationId)": "Application.id.",
    "Mutation.requestInformation(input)": "What is asked for, and by when.",
    "Mutation.answerInformationRequest": "Marks an information request answered; when no "
    "request remains open, the application returns to processing. Answering twice is "
    "CONFLICT.",
    "Mutation.answerInformationRequest(applicationId)": "Application.id.",
    "Mutation.answerInformationRequest(requestId)": "InformationRequest.id.",
    "Mutation.recordDecision": "Records a decision of the caller's authority: Kela's staff "
    "record Kela's (BASIC, BASIC_URGENT), an organiser's staff their own (SUPPLEMENTARY, "
    "PREVENTIVE). Idempotent on issuer + externalId: a repeat returns the same decision, a "
    "repeat with other content is CONFLICT.",
    "Mutation.recordDecision(input)": "The decision.",
    "Mutation.uploadAttachment": "Uploads a document about a client (GraphQL multipart "
    "request). Content is stored once by SHA-256; the media type is read from the content.",
    "Mutation.uploadAttachment(input)": "The client, the kind and optional links.",
    "Mutation.uploadAttachment(file)": "The file part of the multipart request (at most "
    "INFOCAP_MAX_UPLOAD_BYTES, 20 MiB by default).",
    "Mutation.sendNotice": "Sends a notice about a client to another authority. Idempotent on "
    "the sender's externalId. A notice type that needs consent is refused (CONFLICT) unless "
    "a grant covers it, and records which grant.",
    "Mutation.sendNotice(input)": "The notice.",
    "Mutation.moveNotice": "Moves a notice along its lifecycle: SENT → RECEIVED → IN_PROGRESS "
    "→ CLOSED (with an outcome) by the recipient; CANCELLED by the sender before "
    "IN_PROGRESS. Any other move is CONFLICT. Every move is kept in history.",
    "Mutation.moveNotice(id)": "Notice.id.",
    "Mutation.moveNotice(to)": "The status to move to.",
    "Mutation.moveNotice(outcome)": "Required when moving to CLOSED.",
    "Mutation.moveNotice(note)": "A note kept with the move (at most 4,000 characters).",
    "Mutation.moveNotice(responsibleWorker)": "The recipient's named worker and their contact, "
    "shown to the sender; given when moving to IN_PROGRESS.",
    "Mutation.grantConsent": "Records a grant: the client (or their guardian) allows the "
    "grantee to see the categories. Staff record grants given on paper or orally. Needs "
    "the client informed first (recordInformed), else CONFLICT.",
    "Mutation.grantConsent(input)": "The grant.",
    "Mutation.withdrawConsent": "Withdraws a grant from now on; withdrawing one that is not "
    "in force is CONFLICT.",
    "Mutation.withdrawConsent(clientId)": CLIENT_ID,
    "Mutation.withdrawConsent(grantSeq)": "The grant's seq (ConsentGrant.seq).",
    "Mutation.withdrawConsent(reason)": "Why, on record (at most 1,000 characters).",
    "Mutation.withdrawConsent(method)": "How the client expressed it: staff record WRITTEN or "
    "ORAL; the client's own UI ELECTRONIC.",
    "Mutation.prohibitDisclosure": "Records a prohibition of disclosure (luovutuskielto): from "
    "now on the target is not disclosed on the basis of consent.",
    "Mutation.prohibitDisclosure(input)": "The target: an organisation, a category or a row.",
    "Mutation.liftProhibition": "Lifts a prohibition from now on; lifting one not in force is "
    "CONFLICT.",
    "Mutation.liftProhibition(clientId)": CLIENT_ID,
    "Mutation.liftProhibition(prohibitionSeq)": "The prohibition's seq (ConsentProhibition.seq).",
    "Mutation.liftProhibition(method)": "How the client expressed it (see withdrawConsent).",
    "Mutation.recordInformed": "Records that the client was told how their data is shared: a "
    "grant needs this first in the same client's ledger.",
    "Mutation.recordInformed(clientId)": CLIENT_ID,
    "Mutation.recordInformed(textVersion)": "Which version of the information text the client "
    "was given (at most 200 characters).",
    "Mutation.recordInformed(channel)": "How it was given, free text, e.g. PAPER or kela.fi "
    "(at most 200 characters).",
    "Subscription": "Live events over a WebSocket (graphql-transport-ws), authenticated at "
    "connection_init with the same bearer token.",
    "Subscription.noticeEvents": "Each notice sent to or by the caller's organisation, and "
    "each move of one, as it happens; each event is decided and logged as a query would be. "
    "The subscription ends when the token expires.",
    # ---- organisations and principals ---------------------------------------------------
    "Organisation.id": "A stable code: kela, helsinki, wc-pirkanmaa, …",
    "Organisation.type": "Kela, a wellbeing services county or a municipality (Helsinki).",
    "Organisation.nameFi": "The name in Finnish.",
    "Organisation.nameSv": "The name in Swedish.",
    "Principal.subject": "The token's sub.",
    "Principal.name": "The caller's name from the token, when it has one.",
    "Principal.roles": "The caller's roles (the token's roles that infocap knows).",
    "Principal.organisation": "The caller's organisation; null for a client or guardian.",
    "PolicyReload.at": "When the reload was recorded.",
    # ---- clients ------------------------------------------------------------------------
    "Client.id": ID_OF.format("client"),
    "Client.name": "The client's full name. " + GUARDED,
    "Client.language": "The client's preferred language. " + GUARDED,
    "Client.organiser": "The organisation responsible for the client's social services. " + GUARDED,
    "Client.protectedIdentity": "Turvakielto: when true, contact details are withheld from "
    "everyone but the client (PROTECTED_IDENTITY). " + GUARDED,
    "Client.personalId": "The personal identity code (henkilötunnus). " + GUARDED,
    "Client.address": "Postal address. " + GUARDED,
    "Client.phone": "Phone number, as given. " + GUARDED,
    "Client.email": "Email address. " + GUARDED,
    "Client.guardianships": "The guardianships over the client, past and present.",
    "Client.planHistory(first)": FIRST,
    "Client.planHistory(after)": AFTER,
    "Client.applications(first)": FIRST,
    "Client.applications(after)": AFTER,
    "Client.attachments(first)": FIRST,
    "Client.attachments(after)": AFTER,
    "Client.notices(first)": FIRST,
    "Client.notices(after)": AFTER,
    "Client.accessLog(first)": FIRST,
    "Client.accessLog(after)": AFTER,
    "ClientRelationship.organisation": "The organiser whose staff the relationship admits.",
    "ClientRelationship.openedAt": "When it was opened.",
    "ClientRelationship.openedByOrganisation": "The organisation whose staff opened it.",
    "DigitalProfile": "The client's digital equipment and skills at one time (the "
    "cooperation model's four client types); kept as a history.",
    "DigitalProfile.hasEquipment": "Has a device and a connection for online services.",
    "DigitalProfile.hasSkills": "Can use online services unaided.",
    "DigitalProfile.recordedAt": "When it was recorded.",
    "DigitalProfileInput": "The client's digital equipment and skills now.",
    "DigitalProfileInput.hasEquipment": "Has a device and a connection for online services.",
    "DigitalProfileInput.hasSkills": "Can use online services unaided.",
    "RegisterClientInput.personalId": "The personal identity code; validated (date, century "
    "sign, individual number, check character).",
    "RegisterClientInput.name": "Full name (at most 200 characters).",
    "RegisterClientInput.language": "Preferred language.",
    "RegisterClientInput.organiserId": "The responsible organiser: an Organisation.id of a "
    "county or Helsinki.",
    "RegisterClientInput.address": "Postal address (at most 400 characters).",
    "RegisterClientInput.phone": "Phone number (at most 64 characters).",
    "RegisterClientInput.email": "Email address (at most 254 characters).",
    "RegisterClientInput.protectedIdentity": "Turvakielto: contact details are then withheld "
    "from everyone but the client.",
    "RegisterClientInput.digitalProfile": "Digital equipment and skills, if known.",
    "UpdateClientInput.name": "Full name.",
    "UpdateClientInput.language": "Preferred language.",
    "UpdateClientInput.organiserId": "A new responsible organiser (Organisation.id).",
    "UpdateClientInput.address": "Postal address.",
    "UpdateClientInput.phone": "Phone number.",
    "UpdateClientInput.email": "Email address.",
    "UpdateClientInput.protectedIdentity": "Turvakielto on or off.",
    "UpdateClientInput.immigrant": "Arrived in Finland as an immigrant (the long-term-recipient "
    "notice comes after 2 months).",
    "UpdateClientInput.digitalProfile": "A new digital profile, added to the history.",
    "Guardianship.id": ID_OF.format("guardianship"),
    "Guardianship.kind": "What the guardian may act on. " + GUARDED,
    "Guardianship.validFrom": "The first day in force. " + GUARDED,
    "Guardianship.validUntil": "The last day in force; null when open-ended or withheld.",
    "Guardianship.active": "In force today. " + GUARDED,
    "Guardianship.guardianPersonalId": "The guardian's personal identity code. " + GUARDED,
    "GuardianshipInput": "A guardianship to record.",
    "GuardianshipInput.wardId": "The ward: Client.id.",
    "GuardianshipInput.guardianPersonalId": "The guardian's personal identity code.",
    "GuardianshipInput.kind": "What the guardian may act on.",
    "ContactPerson.name": "The counterpart's name.",
    "ContactPerson.title": "Their title, e.g. sosiaalityöntekijä.",
    "ContactPerson.phone": "Their phone number.",
    "ContactPerson.email": "Their email address.",
    "ContactPerson.organisation": "Their organisation.",
    "ContactPersonInput": "A named worker and their contact.",
    "ContactPersonInput.name": "Name (at most 200 characters).",
    "ContactPersonInput.title": "Title, e.g. sosiaalityöntekijä.",
    "ContactPersonInput.phone": "Phone number.",
    "ContactPersonInput.email": "Email address.",
    # ---- plans ----------------------------------------------------------------------------
    "Plan.id": "This plan version's id (attachments link to a version).",
    "Plan.version": "1 for the first save, one more for each save after. " + GUARDED,
    "Plan.type": "Which plan it is. " + GUARDED,
    "Plan.status": "Draft, in force or closed. " + GUARDED,
    "Plan.updatedAt": "When this version was saved. " + GUARDED,
    "Plan.goals": "The client's own goals, in their words. " + GUARDED,
    "Plan.measures": "What is done, by whom and by when. " + GUARDED,
    "Plan.serviceNeedAssessment": "The service-need assessment (palvelutarpeen arviointi). "
    + GUARDED,
    "Plan.kelaSpecialServicePlanned": "Kela's special service is planned for the client. "
    + GUARDED,
    "Plan.nextFollowUp": "The next follow-up date. " + GUARDED,
    "PlanInput": "A whole plan version: what is not given takes its default.",
    "PlanInput.type": "Which plan it is.",
    "PlanInput.status": "Draft, in force or closed.",
    "PlanInput.lifeSituation": "The four areas of the life-situation mapping.",
    "PlanInput.goals": "The client's own goals (at most 50, each at most 1,000 characters).",
    "PlanInput.measures": "What is done, by whom and by when (at most 50).",
    "PlanInput.serviceNeedAssessment": "The service-need assessment.",
    "PlanInput.kelaSpecialServicePlanned": "Kela's special service is planned.",
    "PlanInput.kelaSpecialService": "A note on Kela's special service (at most 4,000 characters).",
    "PlanInput.nextFollowUp": "The next follow-up date.",
    "LifeSituation.economy": "Economy. Category LIFE_ECONOMY. " + GUARDED,
    "LifeSituation.family": "Family and close relations. Category LIFE_FAMILY. " + GUARDED,
    "LifeSituation.health": "Health and functional capacity. Category LIFE_HEALTH. " + GUARDED,
    "LifeSituation.housing": "Housing. Category LIFE_HOUSING. " + GUARDED,
    "LifeSituationInput": "The life-situation mapping: four areas, each optional.",
    "LifeSituationInput.economy": "Economy.",
    "LifeSituationInput.family": "Family and close relations.",
    "LifeSituationInput.health": "Health and functional capacity.",
    "LifeSituationInput.housing": "Housing.",
    "LifeArea.summary": "The worker's summary of the area.",
    "LifeArea.supportNeeded": "The client needs support in this area.",
    "LifeAreaInput": "One area of the life-situation mapping.",
    "LifeAreaInput.summary": "Summary (at most 4,000 characters).",
    "LifeAreaInput.supportNeeded": "The client needs support in this area.",
    "Measure": "One measure of the plan.",
    "Measure.description": "What is done.",
    "Measure.responsibleOrganisation": "The organisation that does it, if named.",
    "Measure.responsibleWorker": "The worker who does it, by name, if named.",
    "Measure.due": "By when, if agreed.",
    "Measure.status": "Planned, under way, done or cancelled.",
    "MeasureInput": "One measure of the plan.",
    "MeasureInput.description": "What is done (at most 2,000 characters).",
    "MeasureInput.responsibleOrganisationId": "The organisation that does it (Organisation.id).",
    "MeasureInput.responsibleWorker": "The worker who does it, by name.",
    "MeasureInput.due": "By when.",
    "MeasureInput.status": "Its status.",
    "ServiceNeedAssessment": "The service-need assessment (palvelutarpeen arviointi).",
    "ServiceNeedAssessment.status": "Not started, under way or completed.",
    "ServiceNeedAssessment.outcome": "What it concluded.",
    "ServiceNeedAssessment.date": "When it was completed or is due.",
    "ServiceNeedAssessmentInput": "The service-need assessment.",
    "ServiceNeedAssessmentInput.status": "Its status.",
    "ServiceNeedAssessmentInput.outcome": "What it concluded (at most 4,000 characters).",
    "ServiceNeedAssessmentInput.date": "When it was completed or is due.",
    # ---- applications --------------------------------------------------------------------
    "Application.id": ID_OF.format("application"),
    "Application.externalId": "Kela's own id of the application. " + GUARDED,
    "Application.receivedAt": "When Kela received it. " + GUARDED,
    "Application.channel": "How it was sent. " + GUARDED,
    "Application.status": "Where its processing stands. " + GUARDED,
    "Application.urgency": "Kela's urgency assessment, once made. " + GUARDED,
    "ApplicationInput": "A basic-assistance application received at Kela.",
    "ApplicationInput.clientId": CLIENT_ID,
    "ApplicationInput.receivedAt": "When Kela received it (with a time zone).",
    "ApplicationInput.channel": "How it was sent.",
    "ApplicationInput.externalId": "Kela's own id of it; recording is idempotent on it.",
    "ApplicationInput.status": "Its status now.",
    "ApplicationInput.urgency": "The urgency assessment, if already made.",
    "Urgency": "Kela's assessment of whether an application is urgent.",
    "Urgency.urgent": "Judged urgent.",
    "Urgency.grounds": "Why, in the assessor's words.",
    "Urgency.assessedBy": "Who assessed it, by name.",
    "Urgency.assessedAt": "When.",
    "UrgencyInput": "An urgency assessment.",
    "UrgencyInput.urgent": "Judged urgent. A forwarded urgent application judged not urgent "
    "sends an URGENCY_ASSESSMENT notice to the organiser.",
    "UrgencyInput.grounds": "Why (at most 4,000 characters).",
    "InformationRequest": "Kela's request to the client for more information on an application.",
    "InformationRequest.id": ID_OF.format("request"),
    "InformationRequest.requestedAt": "When it was asked.",
    "InformationRequest.items": "What is asked for, item by item.",
    "InformationRequest.due": "The day by which it is to be answered.",
    "InformationRequest.answeredAt": "When it was answered; null while open.",
    "InformationRequestInput": "What Kela asks the client for.",
    "InformationRequestInput.items": "What is asked for, item by item (1 to 50 items, each at "
    "most 1,000 characters).",
    "InformationRequestInput.due": "The day by which to answer; not in the past.",
    # ---- decisions -----------------------------------------------------------------------
    "Decision.id": ID_OF.format("decision"),
    "Decision.authority": "Kela or the organiser (wellbeing county or Helsinki). " + GUARDED,
    "Decision.issuer": "The issuing organisation. " + GUARDED,
    "Decision.kind": "Basic (Kela), supplementary or preventive (organiser). " + GUARDED,
    "Decision.externalId": "The issuing system's id of the decision. " + GUARDED,
    "Decision.decidedAt": "When it was decided. " + GUARDED,
    "Decision.periodStart": "The first day of the period it covers. " + GUARDED,
    "Decision.periodEnd": "The last day of the period; null when open-ended or withheld.",
    "Decision.outcome": "Granted, partially granted or rejected. " + GUARDED,
    "Decision.totalAmountCents": "The amount granted in euro cents (143980 = €1,439.80). "
    + GUARDED,
    "Decision.grounds": "The grounds of discretion, in the decider's words. " + GUARDED,
    "Decision.calculation": "The calculation's income and expense rows (category "
    "KELA_CALCULATION for Kela's decisions). " + GUARDED,
    "Decision.basicAmountReduction": "A reduction of the basic amount, if the decision made "
    "one (category KELA_CALCULATION for Kela's decisions). " + GUARDED,
    "Decision.paymentCommitments": "Payment commitments (maksusitoumukset) given to payees. "
    + GUARDED,
    "DecisionInput.clientId": CLIENT_ID,
    "DecisionInput.kind": "The kind: BASIC or BASIC_URGENT for Kela, SUPPLEMENTARY or "
    "PREVENTIVE for an organiser.",
    "DecisionInput.externalId": "The issuing system's id; recording is idempotent on issuer + "
    "externalId (at most 200 characters).",
    "DecisionInput.decidedAt": "When it was decided (with a time zone).",
    "DecisionInput.outcome": "Granted, partially granted or rejected.",
    "DecisionInput.totalAmountCents": "The amount granted in euro cents.",
    "DecisionInput.periodStart": "The first day of the period it covers.",
    "DecisionInput.periodEnd": "The last day; not before periodStart.",
    "DecisionInput.grounds": "The grounds of discretion (at most 20,000 characters).",
    "DecisionInput.applicationId": "The application it decides (Application.id), if any.",
    "DecisionInput.influencingAttachmentIds": "The client's attachments that influenced it "
    "(at most 50).",
    "DecisionInput.calculation": "The calculation's rows (at most 100).",
    "DecisionInput.basicAmountReduction": "A reduction of the basic amount (Kela only); a "
    "BASIC_AMOUNT_REDUCTION notice goes to the organiser.",
    "DecisionInput.paymentCommitments": "Payment commitments (at most 50).",
    "CalculationRow": "One income or expense row of a decision's calculation.",
    "CalculationRow.type": "Income or expense.",
    "CalculationRow.description": "What the row is, e.g. Vuokra.",
    "CalculationRow.amountCents": "Its amount in euro cents, per month.",
    "CalculationRowInput": "One row of the calculation.",
    "CalculationRowInput.type": "Income or expense.",
    "CalculationRowInput.description": "What the row is (at most 400 characters).",
    "CalculationRowInput.amountCents": "Its amount in euro cents.",
    "BasicAmountReduction": "A reduction of the basic amount (perusosan alentaminen).",
    "BasicAmountReduction.percent": "20 or 40.",
    "BasicAmountReduction.grounds": "Why.",
    "BasicAmountReduction.until": "The last day it applies.",
    "BasicAmountReductionInput": "A reduction of the basic amount.",
    "BasicAmountReductionInput.grounds": "Why (at most 4,000 characters).",
    "BasicAmountReductionInput.until": "The last day it applies.",
    "PaymentCommitment": "A payment commitment (maksusitoumus): the authority pays a payee "
    "directly.",
    "PaymentCommitment.payee": "Who is paid, e.g. a landlord.",
    "PaymentCommitment.purpose": "What for.",
    "PaymentCommitment.amountCents": "Up to this amount, in euro cents.",
    "PaymentCommitment.validUntil": "The last day it may be used.",
    "PaymentCommitmentInput": "A payment commitment.",
    "PaymentCommitmentInput.payee": "Who is paid (at most 200 characters).",
    "PaymentCommitmentInput.purpose": "What for (at most 400 characters).",
    "PaymentCommitmentInput.amountCents": "Up to this amount, in euro cents.",
    "PaymentCommitmentInput.validUntil": "The last day it may be used.",
    # ---- attachments ---------------------------------------------------------------------
    "Attachment.id": ID_OF.format("attachment"),
    "Attachment.kind": "What the document is. " + GUARDED,
    "Attachment.filename": "The file's name, cleaned of paths and control characters. " + GUARDED,
    "Attachment.mediaType": "The media type read from the content, e.g. application/pdf. "
    + GUARDED,
    "Attachment.size": "Its size in bytes. " + GUARDED,
    "Attachment.sha256": "The SHA-256 of the content, hex: the same bytes are stored once. "
    + GUARDED,
    "Attachment.uploadedAt": "When it was uploaded. " + GUARDED,
    "Attachment.uploadedByRole": "The uploader's policy subject: client, guardian:FULL, "
    "social_worker, … " + GUARDED,
    "Attachment.downloadUrl": "GET this path with the same Authorization header for the "
    "content (a plain link will not work). " + GUARDED,
    "Attachment.applicationId": "The application it is linked to (to those who may know of "
    "it). " + GUARDED,
    "Attachment.decisionId": "The decision it is linked to (to those who may know of it). "
    + GUARDED,
    "Attachment.planId": "The plan version it is linked to (to those who may know of it). "
    + GUARDED,
    "Attachment.noticeId": "The notice it is linked to (to those who may know of it). " + GUARDED,
    "AttachmentInput": "An attachment to upload: its client, kind and optional link.",
    "AttachmentInput.clientId": CLIENT_ID,
    "AttachmentInput.kind": "What the document is. MEDICAL_STATEMENT is HEALTH_ATTACHMENT.",
    "AttachmentInput.filename": "Defaults to the file part's name (at most 255 characters).",
    "AttachmentInput.applicationId": "Link it to this application of the same client's.",
    "AttachmentInput.decisionId": "Link it to this decision of the same client's.",
    "AttachmentInput.noticeId": "Link it to this notice of the same client's.",
    # ---- notices -------------------------------------------------------------------------
    "Notice.id": ID_OF.format("notice"),
    "Notice.type": "What the notice is about (see NoticeType). " + GUARDED,
    "Notice.externalId": "The sender's own id; sending is idempotent on it. " + GUARDED,
    "Notice.sender": "The sending organisation. " + GUARDED,
    "Notice.recipient": "The receiving organisation. " + GUARDED,
    "Notice.status": "Where it stands in its lifecycle. " + GUARDED,
    "Notice.outcome": "How it was closed; null while open. " + GUARDED,
    "Notice.sentAt": "When it was sent. " + GUARDED,
    "Notice.dueAt": "When it is due: its type's working days after sending (Finnish public "
    "holidays excluded). " + GUARDED,
    "Notice.overdue": "Open and past dueAt. " + GUARDED,
    "Notice.trafficLight": "GREEN under half the time used, YELLOW after half, RED when "
    "overdue. " + GUARDED,
    "Notice.responsibleWorker": "The recipient's named worker and their contact, once it is "
    "IN_PROGRESS. " + GUARDED,
    "Notice.detail": "The message itself. Category NOTICE_DETAIL. " + GUARDED,
    "Notice.client": "The client it is about. " + GUARDED,
    "Notice.history": "Every move, oldest first. " + GUARDED,
    "Notice.attachments": "The attachments sent with it (those the caller may know of). " + GUARDED,
    "NoticeInput": "A notice to send.",
    "NoticeInput.clientId": CLIENT_ID,
    "NoticeInput.type": "What it is about; its direction (Kela to organiser or back) must fit "
    "the sender.",
    "NoticeInput.recipientId": "The receiving organisation (Organisation.id).",
    "NoticeInput.externalId": "The sender's own id; sending is idempotent on it (at most 200 "
    "characters).",
    "NoticeInput.detail": "The message (at most 20,000 characters).",
    "NoticeInput.attachmentIds": "The client's attachments to send with it (at most 50).",
    "NoticeMove.from": "The status before; null for the sending itself.",
    "NoticeMove.to": "The status after.",
    "NoticeMove.outcome": "The outcome, for a move to CLOSED.",
    "NoticeMove.note": "The note given with the move.",
    "NoticeMove.at": "When.",
    "NoticeMove.organisation": "The organisation that moved it.",
    "NoticeEvent.kind": "Sent or moved.",
    "NoticeEvent.notice": "The notice as it is after the event, guarded as any read of it.",
    # ---- consent -------------------------------------------------------------------------
    "ConsentEvent.id": ID_OF.format("event"),
    "ConsentEvent.clientId": "The client whose ledger it is in. " + GUARDED,
    "ConsentEvent.seq": "Its place in the client's ledger: 1, 2, 3, … " + GUARDED,
    "ConsentEvent.type": "What it records. " + GUARDED,
    "ConsentEvent.at": "When it was recorded. " + GUARDED,
    "ConsentEvent.actor": "Who recorded it. " + GUARDED,
    "ConsentEvent.grantor": "Whose will it expresses; null for INFORMED. " + GUARDED,
    "ConsentEvent.prev": "The previous event's hash (64 zeros for the first): the chain. "
    + GUARDED,
    "ConsentEvent.hash": "SHA-256 of prev and the canonical text, hex. " + GUARDED,
    "ConsentEvent.body": "The event's body as hashed (see docs/ledger.md); withheld when it "
    "names a row the caller may not know of. Prefer the typed grant and prohibition.",
    "ConsentActor": "Who recorded a ledger event.",
    "ConsentActor.subject": "The recorder's token subject.",
    "ConsentActor.organisation": "The recorder's organisation; null for a client or guardian.",
    "ConsentActor.roles": "The recorder's roles.",
    "ConsentGrantor": "Whose will a ledger event expresses.",
    "ConsentGrantor.kind": "CLIENT, or GUARDIAN acting for the client.",
    "ConsentGrantor.personalId": "The guardian's personal identity code; null for the client.",
    "ConsentGrant.seq": "The seq of the event that made it. " + GUARDED,
    "ConsentGrant.grantee": "The organisation allowed to see. " + GUARDED,
    "ConsentGrant.categories": "The categories it covers. " + GUARDED,
    "ConsentGrant.purpose": "The purpose stated. " + GUARDED,
    "ConsentGrant.method": "How it was given. " + GUARDED,
    "ConsentGrant.validFrom": "In force from. " + GUARDED,
    "ConsentGrant.validUntil": "In force until; null when open-ended or withheld.",
    "ConsentGrant.recordedAt": "When it was recorded. " + GUARDED,
    "ConsentGrant.withdrawnAt": "When it was withdrawn; null while not withdrawn.",
    "ConsentGrantInput.clientId": CLIENT_ID,
    "ConsentGrantInput.granteeId": "The organisation allowed to see (Organisation.id).",
    "ConsentGrantInput.categories": "The categories it covers (1 to 30).",
    "ConsentGrantInput.purpose": "The purpose, on record (at most 1,000 characters).",
    "ConsentGrantInput.validUntil": "In force until; open-ended when not given.",
    "ConsentGrantInput.method": "How it was given: the client's own UI ELECTRONIC; staff "
    "WRITTEN (with evidenceAttachmentId) or ORAL.",
    "ConsentProhibition.seq": "The seq of the event that made it. " + GUARDED,
    "ConsentProhibition.organisation": "The organisation it bars, for an organisation target. "
    + GUARDED,
    "ConsentProhibition.category": "The category it bars, for a category target. " + GUARDED,
    "ConsentProhibition.rowType": "The type of the row it bars, for a row target. " + GUARDED,
    "ConsentProhibition.recordedAt": "When it was recorded. " + GUARDED,
    "ConsentProhibition.liftedAt": "When it was lifted; null while in force.",
    "ConsentProhibition.inForce": "Not lifted. " + GUARDED,
    "ProhibitionInput.clientId": CLIENT_ID,
    "ProhibitionInput.organisationId": "Bar this organisation from everything (Organisation.id).",
    "ProhibitionInput.category": "Bar this category from everyone.",
    "ProhibitionInput.rowType": "With rowId: bar this one row from everyone. One of "
    "APPLICATION, DECISION, ATTACHMENT, NOTICE (plans are not barred row by row).",
    "ProhibitionInput.rowId": "With rowType: the row's id, a row of the same client's.",
    "ProhibitionInput.method": "How the client expressed it (see withdrawConsent).",
    # ---- audit (docs/audit.md) ---------------------------------------------------------
    "Query.accessLog": "The access log's rows the caller may read, newest first: with "
    "clientId, that client's rows as Client.accessLog lists them; without, a dpo's "
    "organisation's rows (and the registrations of its clients by others) and a client's "
    "or guardian's rows about themself and their wards. Each row is guarded, and its read "
    "logged, as any read of the client's ACCESS_LOG. Cursors are stable: rows only grow.",
    "Query.accessLog(clientId)": "Only this client's rows (Client.id); a client that does "
    "not exist for the caller answers an empty list.",
    "Query.accessLog(organisationId)": "Only rows of callers of this organisation.",
    "Query.accessLog(allowed)": "true: only allowed decisions; false: only denied ones.",
    "Query.accessLog(category)": "Only decisions on this category.",
    "Query.accessLog(action)": "Only reads, or only writes.",
    "Query.accessLog(basis)": "Only decisions allowed on this basis.",
    "Query.accessSummary": "A dpo's review of its organisation's access-log rows over a "
    "period: allowed and denied per organisation and category, and the signals "
    "(relationships opened by registration, self-recorded consents, bursts of denials, "
    "reads of protected-identity clients). FORBIDDEN for anyone else.",
    "Query.explainAccess": "Whether a caller of role in organisationId could see the client's "
    "category at a moment, and why: the decision, basis, policy line and the consent event "
    "that decided, replayed from the ledger and the client's history as they were then "
    "under the policy in force then. For whoever may read the client's access log (the "
    "client, a full guardian, a dpo for its own organisation); asking is logged as a read "
    "of the client's ACCESS_LOG. An organisation a role cannot be of is BAD_USER_INPUT.",
    "Query.explainAccess(clientId)": CLIENT_ID,
    "Query.explainAccess(organisationId)": "The caller's organisation (an Organisation.id). "
    "For the client and guardian roles it matters only where the policy gives them "
    "CONSENT.",
    "Query.explainAccess(role)": "The caller's role. client stands for the client themself.",
    "Query.explainAccess(category)": "The data category.",
    "Query.explainAccessLogEntry": "One access-log row replayed at its moment with its "
    "organisation, roles and category under the policy it names, and whether the replay "
    "agrees with what was logged. Null when the row does not exist for the caller.",
    "Query.explainAccessLogEntry(id)": "AccessLogEntry.id.",
    "Query.clientForSubjectAccess": "A dpo finds the client a subject-access request is "
    "about by personal identity code: the client as a dpo sees it (id and IDENTITY; the "
    "code is not shown back). Null when no client has the code. The lookup is on the "
    "client's access log (PERSONAL_ID, policy line dpo, client, find_by_code). FORBIDDEN "
    "for anyone else. Rate limited as lookups by code are.",
    "Query.clientForSubjectAccess(personalId)": "A personal identity code; an invalid one is "
    "BAD_USER_INPUT.",
    "AccessTally.category": "The category decided on.",
    "DenialBurst.organisation": "The subject's organisation.",
    "ProtectedIdentityRead.organisation": "The reader's organisation.",
    "ProtectedIdentityRead.first": "The first such read in the period.",
    "ProtectedIdentityRead.last": "The last such read in the period.",
    "RegistrationSignal.openedAt": "When it was opened.",
    "SelfRecordedSignal.grantee": "The organisation granted (and recording).",
    "SelfRecordedSignal.categories": "The categories granted.",
    "SelfRecordedSignal.recordedAt": "When it was recorded.",
    "SelfRecordedSignal.withdrawnAt": "When it was withdrawn; null while not.",
    # ---- access log ----------------------------------------------------------------------
    "AccessLogEntry.id": "The entry's id (ascending in time).",
    "AccessLogEntry.at": "When. " + GUARDED,
    "AccessLogEntry.requestId": "The request's id (the X-Request-ID header). " + GUARDED,
    "AccessLogEntry.subject": "The reader's token subject. " + GUARDED,
    "AccessLogEntry.subjectName": "The reader's name. " + GUARDED,
    "AccessLogEntry.organisation": "The reader's organisation; null for a person. " + GUARDED,
    "AccessLogEntry.roles": "The reader's roles. " + GUARDED,
    "AccessLogEntry.category": "The category read or written. " + GUARDED,
    "AccessLogEntry.action": "Read or write. " + GUARDED,
    "AccessLogEntry.allowed": "Whether it was allowed. " + GUARDED,
    "AccessLogEntry.basis": "The grounds that allowed it; null when denied. " + GUARDED,
    "AccessLogEntry.reason": "Why it was denied: a RedactionReason; null when allowed. " + GUARDED,
    "AccessLogEntry.policyHash": "The SHA-256 of the policy file that decided. " + GUARDED,
    "Redaction.field": "The field's name, as in the query.",
    "Redaction.category": "The field's data category.",
    "Redaction.reason": "Why it is withheld.",
    # ---- change feed ---------------------------------------------------------------------
    "Change.entityType": "The type of the entity that changed.",
    "Change.entityId": "Its id.",
    "Change.entity": "The entity as a normal read shows it now.",
    # ---- enums ---------------------------------------------------------------------------
    "AccessAction": "What a logged access did.",
    "ApplicationChannel": "How an application reached Kela.",
    "ApplicationStatus": "Where an application's processing stands.",
    "AssessmentStatus": "The status of a service-need assessment.",
    "AttachmentKind": "What a document is. Its kind decides its category: MEDICAL_STATEMENT "
    "is HEALTH_ATTACHMENT, the others ATTACHMENT.",
    "Authority": "Which authority issued a decision.",
    "Basis": "The grounds on which a field was disclosed (the access log's basis).",
    "CalculationRowType": "Which side of a calculation a row is on.",
    "ChangeEntity": "The type of a changed entity in the change feed.",
    "ChangeOp": "What a change did.",
    "ConsentEventType": "What a consent ledger event records.",
    "ConsentMethod": "How the client expressed their will.",
    "DataCategory": "The category of a field: the policy decides per role and category who "
    "may see it (docs/access.md).",
    "DecisionKind": "The kind of assistance a decision is about.",
    "DecisionOutcome": "What a decision granted.",
    "GuardianshipKind": "What a guardian may act on.",
    "Language": "A client's preferred language.",
    "MeasureStatus": "The status of a plan's measure.",
    "NoticeOutcome": "How a notice was closed.",
    "NoticeStatus": "Where a notice stands in its lifecycle.",
    "NoticeType": "What a notice is about; each type has a direction, a due time in working "
    "days and whether it needs consent (docs/integration.md).",
    "OrganisationType": "What kind of organisation.",
    "PlanStatus": "The status of a plan version.",
    "PlanType": "Which plan a client plan is.",
    "RedactionReason": "Why a field is withheld.",
    "RelationshipOrigin": "How a client relationship was opened.",
    "Role": "A caller's role (the token's roles claim).",
    "RowType": "A row a prohibition can name one by one.",
    "TrafficLight": "How much of a notice's time is used.",
}


VALUES: Mapping[str, Mapping[str, str]] = {
    "AccessAction": {
        "READ": "Read the category.",
        "WRITE": "Wrote the category.",
    },
    "ApplicationChannel": {
        "ONLINE": "Online, by the client.",
        "GUIDED": "Online with a Kela worker's help.",
        "PAPER": "On paper.",
        "PHONE": "By phone.",
    },
    "ApplicationStatus": {
        "RECEIVED": "Received, not yet processed.",
        "IN_PROCESSING": "Being processed.",
        "WAITING_FOR_INFORMATION": "Waiting for the client to answer a request for information.",
        "DECIDED": "Decided.",
    },
    "AssessmentStatus": {
        "NOT_STARTED": "Not started.",
        "IN_PROGRESS": "Under way.",
        "COMPLETED": "Completed.",
    },
    "AttachmentKind": {
        "RENT_AGREEMENT": "A rent agreement.",
        "BANK_STATEMENT": "A bank statement.",
        "INVOICE": "An invoice or a receipt.",
        "MEDICAL_STATEMENT": "A medical statement (category HEALTH_ATTACHMENT).",
        "SOCIAL_CARE_STATEMENT": "A statement of social care.",
        "OTHER": "Anything else.",
    },
    "Authority": {
        "KELA": "Kela: basic assistance (category KELA_DECISION).",
        "WELLBEING_COUNTY": (
            "The client's organiser, a wellbeing services county or Helsinki: supplementary and "
            "preventive assistance (category WC_DECISION)."
        ),
    },
    "Basis": {
        "SELF": "The client's own data.",
        "GUARDIANSHIP": "A guardian's, within the guardianship's kind.",
        "OWN": "A row of the caller's own organisation (its decision, its notice, …).",
        "STATUTORY": "The law allows the caller's role.",
        "CONSENT": "A grant of the client's in force (its seq is logged).",
        "REGISTRATION": "Registering the client, or opening a client relationship with them.",
    },
    "CalculationRowType": {
        "INCOME": "Income.",
        "EXPENSE": "An expense.",
    },
    "ChangeEntity": {
        "CLIENT": "A client.",
        "PLAN": "A plan version.",
        "APPLICATION": "An application.",
        "DECISION": "A decision.",
        "ATTACHMENT": "An attachment.",
        "NOTICE": "A notice.",
        "CONSENT_EVENT": "A consent ledger event.",
    },
    "ChangeOp": {
        "CREATED": "Made the entity.",
        "UPDATED": "Changed it.",
    },
    "ClientOrder": {
        "REGISTRATION": "Registration order, oldest first (the default).",
    },
    "ConsentEventType": {
        "INFORMED": "The client was told how their data is shared.",
        "GRANT": "A grant.",
        "WITHDRAW": "A grant withdrawn.",
        "PROHIBIT": "A prohibition of disclosure.",
        "LIFT_PROHIBITION": "A prohibition lifted.",
    },
    "ConsentMethod": {
        "ELECTRONIC": "In an online service, themselves.",
        "WRITTEN": "On a signed form (staff attach it as evidence).",
        "ORAL": "Orally to staff (staff add a note).",
    },
    "DataCategory": {
        "IDENTITY": (
            "Name, language, organiser, protected identity, digital profile, guardianships, "
            "relationships."
        ),
        "PERSONAL_ID": "Personal identity codes.",
        "CONTACT": "Address, phone, email (withheld under protected identity).",
        "PLAN": "The client plan and its history, contact persons.",
        "LIFE_ECONOMY": "The plan's economy area.",
        "LIFE_FAMILY": "The plan's family area.",
        "LIFE_HEALTH": "The plan's health and functional-capacity area.",
        "LIFE_HOUSING": "The plan's housing area.",
        "APPLICATION": "Applications at Kela.",
        "KELA_DECISION": "Kela's decisions.",
        "KELA_CALCULATION": "Kela's calculations and basic-amount reductions.",
        "WC_DECISION": "The organiser's decisions.",
        "ATTACHMENT": "Attachments other than medical statements.",
        "HEALTH_ATTACHMENT": "Medical statements.",
        "NOTICE": "Notices: their type, parties, status and timing.",
        "NOTICE_DETAIL": "A notice's message, attachments and the grant it relies on.",
        "CONSENT": "The consent ledger, grants and prohibitions.",
        "ACCESS_LOG": "The client's access log.",
    },
    "DecisionKind": {
        "BASIC": "Basic assistance (perustoimeentulotuki), Kela.",
        "BASIC_URGENT": "Urgent basic assistance, Kela.",
        "SUPPLEMENTARY": "Supplementary assistance (täydentävä), the organiser.",
        "PREVENTIVE": "Preventive assistance (ehkäisevä), the organiser.",
    },
    "DecisionOutcome": {
        "GRANTED": "Granted as applied for.",
        "PARTIALLY_GRANTED": "Granted in part.",
        "REJECTED": "Rejected.",
    },
    "GuardianshipKind": {
        "PARENT_OF_MINOR": "A parent of a minor (huoltaja): everything.",
        "GUARDIAN_FULL": "A guardian for all matters (edunvalvoja).",
        "GUARDIAN_ECONOMIC": "A guardian for economic matters only.",
    },
    "Language": {
        "FI": "Finnish.",
        "SV": "Swedish.",
        "SE": "Sámi.",
        "EN": "English.",
        "OTHER": "Another language.",
    },
    "MeasureStatus": {
        "PLANNED": "Planned.",
        "IN_PROGRESS": "Under way.",
        "DONE": "Done.",
        "CANCELLED": "Cancelled.",
    },
    "NoticeDirection": {
        "RECEIVED": "Notices sent to the caller's organisation.",
        "SENT": "Notices sent by the caller's organisation.",
        "BOTH": "Both.",
    },
    "NoticeEventKind": {
        "SENT": "The notice was sent.",
        "MOVED": "The notice moved to another status.",
    },
    "NoticeOutcome": {
        "CLIENT_REACHED": "The client was reached.",
        "CLIENT_NOT_REACHED": "The client could not be reached.",
        "ASSESSMENT_STARTED": "A service-need assessment was started.",
        "PLAN_MADE": "A client plan was made.",
        "NO_ACTION_NEEDED": "No action was needed.",
        "TRANSFERRED": "Transferred elsewhere.",
    },
    "NoticeStatus": {
        "SENT": "Sent, not yet opened.",
        "RECEIVED": "Opened by the recipient.",
        "IN_PROGRESS": "Assigned to a named worker, whose contact the sender sees.",
        "CLOSED": "Handled, with an outcome.",
        "CANCELLED": "Cancelled by the sender before IN_PROGRESS.",
    },
    "NoticeType": {
        "APPLICATION_TRANSFER": (
            "Kela forwards an application for supplementary or preventive assistance with its "
            "attachments (7 days)."
        ),
        "SERVICE_NEED_ASSESSMENT_REQUEST": (
            "Kela: the client would benefit from a service-need assessment (needs consent; 7 days)."
        ),
        "CONCERN_NOTICE": "Kela: the client's health or welfare is at risk (1 day).",
        "BASIC_AMOUNT_REDUCTION": "Kela reduced the basic amount by 20 or 40 % (7 days).",
        "LONG_TERM_RECIPIENT": (
            "Kela: the client has had basic assistance long (under 25: 4 months; 25 or over: 12; "
            "an immigrant: 2) (14 days)."
        ),
        "URGENCY_ASSESSMENT": (
            "Kela judged a forwarded urgent application not urgent, with grounds (1 day)."
        ),
        "PLAN_SHARED": (
            "The organiser gives the client plan to Kela for information (needs consent; 7 days)."
        ),
        "DECISION_ISSUED": (
            "The organiser issued a supplementary or preventive decision, so no cost is paid "
            "twice (7 days)."
        ),
        "STATEMENT": "The organiser's social-care statement answering Kela (7 days).",
    },
    "OrganisationType": {
        "KELA": "Kela.",
        "WELLBEING_COUNTY": "A wellbeing services county.",
        "MUNICIPALITY": "A municipality organising social services (Helsinki).",
    },
    "PlanStatus": {
        "DRAFT": "A draft.",
        "ACTIVE": "In force.",
        "CLOSED": "Closed.",
    },
    "PlanType": {
        "CLIENT_PLAN": "The client plan (asiakassuunnitelma).",
        "ACTIVATION_PLAN": "An activation plan.",
        "INDEPENDENCE_PLAN": "A plan for a young person's independent living.",
        "WORK_ABILITY_PLAN": "A work-ability plan.",
    },
    "RedactionReason": {
        "NOT_PERMITTED": "The caller's role never sees it, or it names a row they may not know of.",
        "CONSENT_REQUIRED": (
            "Visible with the client's consent, and none is in force (or the client prohibited "
            "it; the API does not say which)."
        ),
        "PROTECTED_IDENTITY": "The client has protected identity (turvakielto).",
    },
    "RelationshipOrigin": {
        "RESPONSIBLE": "As the client's responsible organiser.",
        "REGISTRATION": "By registering a personal identity code that already was a client.",
    },
    "Role": {
        "kela_handler": "Kela's benefit handler (etuuskäsittelijä).",
        "kela_advisor": "Kela's service advisor (palveluneuvoja).",
        "social_worker": "An organiser's social worker (sosiaalityöntekijä).",
        "social_counsellor": "An organiser's social counsellor (sosiaaliohjaaja).",
        "guardian": "A guardian (huoltaja or edunvalvoja) acting for a ward.",
        "client": "The client themself.",
        "dpo": "A data-protection officer: sees the logs and the ledger, never content.",
    },
    "RowType": {
        "APPLICATION": "An application.",
        "DECISION": "A decision.",
        "ATTACHMENT": "An attachment.",
        "NOTICE": "A notice.",
    },
    "TrafficLight": {
        "GREEN": "Less than half.",
        "YELLOW": "Half or more.",
        "RED": "Overdue.",
    },
}
"""Enum value descriptions: enum → value → text."""


def coordinates(schema: GraphQLSchema) -> Iterator[tuple[str, Described]]:
    """Every describable thing of the schema (ours, not GraphQL's own) by coordinate."""
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in specified_scalar_types:
            continue
        yield name, kind
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                yield f"{name}.{field_name}", field
                for arg_name, arg in field.args.items():
                    yield f"{name}.{field_name}({arg_name})", arg
        elif isinstance(kind, GraphQLInputObjectType):
            for field_name, input_field in kind.fields.items():
                yield f"{name}.{field_name}", input_field
        elif isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                yield f"{name}.{value_name}", value


def patterned(coordinate: str, item: Described, schema: GraphQLSchema) -> str | None:
    """The description of a connection or edge type, and of a connection's first/after."""
    if isinstance(item, GraphQLObjectType) and {"edges", "pageInfo"} <= set(item.fields):
        node = get_named_type(item.fields["edges"].type)
        if not isinstance(node, GraphQLObjectType):
            return None
        return (
            f"A page of {get_named_type(node.fields['node'].type).name} rows (a Relay connection)."
        )
    if isinstance(item, GraphQLObjectType) and {"cursor", "node"} == set(item.fields):
        return f"One {get_named_type(item.fields['node'].type).name} of a page, with its cursor."
    if coordinate.endswith("(first)"):
        return FIRST
    if coordinate.endswith("(after)"):
        return AFTER
    return None


def catalogue() -> dict[str, str]:
    """Every entry by coordinate, enum values included."""
    found = dict(DESCRIPTIONS)
    for enum, values in VALUES.items():
        found.update({f"{enum}.{value}": text for value, text in values.items()})
    return found


def describe(schema: GraphQLSchema) -> None:
    """Fills the catalogue's and the patterns' descriptions into what has none."""
    entries = catalogue()
    for coordinate, item in coordinates(schema):
        if item.description:
            continue
        item.description = entries.get(coordinate) or patterned(coordinate, item, schema)
