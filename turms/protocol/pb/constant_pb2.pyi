from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class DeviceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DESKTOP: _ClassVar[DeviceType]
    BROWSER: _ClassVar[DeviceType]
    IOS: _ClassVar[DeviceType]
    ANDROID: _ClassVar[DeviceType]
    OTHERS: _ClassVar[DeviceType]
    UNKNOWN: _ClassVar[DeviceType]

class GroupMemberRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OWNER: _ClassVar[GroupMemberRole]
    MANAGER: _ClassVar[GroupMemberRole]
    MEMBER: _ClassVar[GroupMemberRole]
    GUEST: _ClassVar[GroupMemberRole]
    ANONYMOUS_GUEST: _ClassVar[GroupMemberRole]

class ProfileAccessStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALL: _ClassVar[ProfileAccessStrategy]
    ALL_EXCEPT_BLOCKED_USERS: _ClassVar[ProfileAccessStrategy]
    FRIENDS: _ClassVar[ProfileAccessStrategy]

class RequestStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PENDING: _ClassVar[RequestStatus]
    ACCEPTED: _ClassVar[RequestStatus]
    ACCEPTED_WITHOUT_CONFIRM: _ClassVar[RequestStatus]
    DECLINED: _ClassVar[RequestStatus]
    IGNORED: _ClassVar[RequestStatus]
    EXPIRED: _ClassVar[RequestStatus]
    CANCELED: _ClassVar[RequestStatus]

class ResponseAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCEPT: _ClassVar[ResponseAction]
    DECLINE: _ClassVar[ResponseAction]
    IGNORE: _ClassVar[ResponseAction]

class StorageResourceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USER_PROFILE_PICTURE: _ClassVar[StorageResourceType]
    GROUP_PROFILE_PICTURE: _ClassVar[StorageResourceType]
    MESSAGE_ATTACHMENT: _ClassVar[StorageResourceType]

class UserStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AVAILABLE: _ClassVar[UserStatus]
    OFFLINE: _ClassVar[UserStatus]
    INVISIBLE: _ClassVar[UserStatus]
    BUSY: _ClassVar[UserStatus]
    DO_NOT_DISTURB: _ClassVar[UserStatus]
    AWAY: _ClassVar[UserStatus]
    BE_RIGHT_BACK: _ClassVar[UserStatus]
DESKTOP: DeviceType
BROWSER: DeviceType
IOS: DeviceType
ANDROID: DeviceType
OTHERS: DeviceType
UNKNOWN: DeviceType
OWNER: GroupMemberRole
MANAGER: GroupMemberRole
MEMBER: GroupMemberRole
GUEST: GroupMemberRole
ANONYMOUS_GUEST: GroupMemberRole
ALL: ProfileAccessStrategy
ALL_EXCEPT_BLOCKED_USERS: ProfileAccessStrategy
FRIENDS: ProfileAccessStrategy
PENDING: RequestStatus
ACCEPTED: RequestStatus
ACCEPTED_WITHOUT_CONFIRM: RequestStatus
DECLINED: RequestStatus
IGNORED: RequestStatus
EXPIRED: RequestStatus
CANCELED: RequestStatus
ACCEPT: ResponseAction
DECLINE: ResponseAction
IGNORE: ResponseAction
USER_PROFILE_PICTURE: StorageResourceType
GROUP_PROFILE_PICTURE: StorageResourceType
MESSAGE_ATTACHMENT: StorageResourceType
AVAILABLE: UserStatus
OFFLINE: UserStatus
INVISIBLE: UserStatus
BUSY: UserStatus
DO_NOT_DISTURB: UserStatus
AWAY: UserStatus
BE_RIGHT_BACK: UserStatus
