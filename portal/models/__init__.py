"""Every table of the portal, one module per part of the domain, all importable from here
(``from portal.models import Visit``), so the data model still reads as one.

- ``base``: UTC timestamps, enums kept as text, public ids, the constraint naming.
- ``people``: accounts, staff profiles, a candidate's consent to be kept.
- ``visits``: visits, offices, programmes and their templates, the candidate's answers.
- ``accounts``: sign-in links and sessions.
- ``records``: the e-mail outbox, the audit trail, rate-limit counters.
- ``questions``: questions before a visit and their answers.
- ``pictures``: uploaded pictures.
- ``stories``: staff's stories and their revisions.

Times are stored in UTC (``UTCDateTime`` gives aware datetimes back on SQLite and
PostgreSQL alike). Rows that appear in URLs carry a random ``public_id``; sequence ids
never leave the server, so they cannot be probed.
"""

from portal.models.accounts import SignInToken as SignInToken
from portal.models.accounts import TokenPurpose as TokenPurpose
from portal.models.accounts import UserSession as UserSession
from portal.models.base import EnumText as EnumText
from portal.models.base import UTCDateTime as UTCDateTime
from portal.models.base import new_public_id as new_public_id
from portal.models.base import rel as rel
from portal.models.base import utcnow as utcnow
from portal.models.people import PoolConsent as PoolConsent
from portal.models.people import Role as Role
from portal.models.people import StaffProfile as StaffProfile
from portal.models.people import User as User
from portal.models.pictures import Image as Image
from portal.models.questions import Question as Question
from portal.models.questions import QuestionStatus as QuestionStatus
from portal.models.records import AuditEvent as AuditEvent
from portal.models.records import OutboxEmail as OutboxEmail
from portal.models.records import OutboxStatus as OutboxStatus
from portal.models.records import RateLimitHit as RateLimitHit
from portal.models.stories import Story as Story
from portal.models.stories import StoryRevision as StoryRevision
from portal.models.stories import StoryStatus as StoryStatus
from portal.models.visits import AgendaInterviewer as AgendaInterviewer
from portal.models.visits import AgendaItem as AgendaItem
from portal.models.visits import AgendaKind as AgendaKind
from portal.models.visits import AgendaTemplate as AgendaTemplate
from portal.models.visits import AgendaTombstone as AgendaTombstone
from portal.models.visits import Attendance as Attendance
from portal.models.visits import Location as Location
from portal.models.visits import Outcome as Outcome
from portal.models.visits import TravelMode as TravelMode
from portal.models.visits import Visit as Visit
from portal.models.visits import VisitPreferences as VisitPreferences
from portal.models.visits import VisitStatus as VisitStatus
