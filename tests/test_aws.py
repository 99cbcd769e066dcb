"""The AWS connector against a real local endpoint: moto in server mode on 127.0.0.1.

The estate is built with ordinary boto3 calls: an Organization with two member accounts,
resources of every service the connector reads, in three regions and the global
services. Denied, throttled and failing calls come from a small HTTP proxy in front of
moto (``tests/localaws.py``) that answers chosen operations with a real AWS error
(status, headers and body in the service's own wire format) and passes everything else
through.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest
from typer.testing import CliRunner

from conftest import ROOT
from connectors import ScanContext, aws
from connectors.aws import discovery
from connectors.aws.clients import ClientFactory
from connectors.aws.services import SERVICES
from localaws import BASE_KEYS, MANAGEMENT, ROLE, AwsWeather, Fault, fault_rule, moto_server
from localaws import aws_env  # noqa: F401 - a fixture, used by name

REGIONS = ["eu-west-1", "eu-central-1", "eu-north-1"]


# --- the estate ----------------------------------------------------------------------------------


@dataclass
class Estate:
    url: str
    member_a: str
    member_b: str
    #: (ARN, account, region, service) of every resource made; region None for global services.
    expected: set[tuple[str, str, str | None, str]] = field(default_factory=set)
    keys: dict[str, str] = field(default_factory=dict)
    role: str = ""


def _client(url: str, service: str, region: str, creds: dict | None = None):
    return boto3.client(service, region_name=region, endpoint_url=url, **(creds or BASE_KEYS))


def build_estate(url: str) -> Estate:
    """Accounts, regions and resources, made with real boto3 calls to the moto server."""
    west, central, north = REGIONS
    org = _client(url, "organizations", "us-east-1")
    org.create_organization(FeatureSet="ALL")
    a = org.create_account(Email="member-a@example.org", AccountName="member-a")["CreateAccountStatus"]["AccountId"]
    b = org.create_account(Email="member-b@example.org", AccountName="member-b")["CreateAccountStatus"]["AccountId"]
    sts = _client(url, "sts", "us-east-1")

    def creds_for(account: str) -> dict:
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="setup")["Credentials"]
        return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"], "aws_session_token": c["SessionToken"]}

    ca, cb = creds_for(a), creds_for(b)
    e = Estate(url, a, b)
    m = MANAGEMENT
    add = e.expected.add

    kms = _client(url, "kms", west)
    key = kms.create_key(Description="intake data")["KeyMetadata"]
    kms.create_alias(AliasName="alias/intake", TargetKeyId=key["KeyId"])
    imported = kms.create_key(Description="imported", Origin="EXTERNAL")["KeyMetadata"]
    e.keys = {"customer": key["Arn"], "imported": imported["Arn"]}
    add((key["Arn"], m, west, "kms"))
    add((imported["Arn"], m, west, "kms"))

    ec2 = _client(url, "ec2", west)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "system", "Value": "intake"}, {"Key": "Name", "Value": "intake-vm"}]}],
    )["Instances"][0]
    add((f"arn:aws:ec2:{west}:{m}:instance/{instance['InstanceId']}", m, west, "ec2"))
    volume = ec2.create_volume(AvailabilityZone=f"{west}a", Size=100, Encrypted=True, KmsKeyId=key["Arn"])
    add((f"arn:aws:ec2:{west}:{m}:volume/{volume['VolumeId']}", m, west, "ebs"))
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]

    s3 = _client(url, "s3", west)
    s3.create_bucket(Bucket="intake-scans", CreateBucketConfiguration={"LocationConstraint": west})
    s3.put_bucket_tagging(Bucket="intake-scans", Tagging={"TagSet": [{"Key": "system", "Value": "intake"}]})
    _client(url, "s3", "us-east-1").create_bucket(Bucket="legacy-us")
    _client(url, "s3", central).create_bucket(Bucket="archive-central", CreateBucketConfiguration={"LocationConstraint": central})
    add(("arn:aws:s3:::intake-scans", m, west, "s3"))
    add(("arn:aws:s3:::legacy-us", m, "us-east-1", "s3"))
    add(("arn:aws:s3:::archive-central", m, central, "s3"))

    table = {"KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
             "BillingMode": "PAY_PER_REQUEST"}
    _client(url, "dynamodb", west).create_table(
        TableName="declarations", SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key["Arn"]}, **table
    )
    add((f"arn:aws:dynamodb:{west}:{m}:table/declarations", m, west, "dynamodb"))

    iam = _client(url, "iam", "us-east-1")
    e.role = iam.create_role(RoleName="exec", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
    saml = iam.create_saml_provider(Name="EntraID", SAMLMetadataDocument="<EntityDescriptor>" + "x" * 1000 + "</EntityDescriptor>")["SAMLProviderArn"]
    add((f"arn:aws:iam::{m}:root", m, None, "iam"))
    add((saml, m, None, "iam"))

    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("handler.py", "def handle(event, context):\n    return None\n")
    fn = _client(url, "lambda", west).create_function(
        FunctionName="intake-fn", Runtime="python3.12", Role=e.role, Handler="handler.handle", Code={"ZipFile": code.getvalue()},
        KMSKeyArn=key["Arn"], VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]},
    )
    add((fn["FunctionArn"], m, west, "lambda"))
    sqs = _client(url, "sqs", west)
    queue = sqs.create_queue(QueueName="intake-queue", tags={"system": "intake"})
    add((f"arn:aws:sqs:{west}:{m}:intake-queue", m, west, "sqs"))
    topic = _client(url, "sns", west).create_topic(Name="alerts")["TopicArn"]
    add((topic, m, west, "sns"))
    secret = _client(url, "secretsmanager", west).create_secret(Name="db-password", SecretString="s3cret", Tags=[{"Key": "system", "Value": "intake"}])
    add((secret["ARN"], m, west, "secretsmanager"))
    rds = _client(url, "rds", west)
    rds.create_db_instance(
        DBInstanceIdentifier="ledger", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=50, MasterUsername="owner",
        MasterUserPassword="password1", StorageEncrypted=True, KmsKeyId=key["Arn"], Tags=[{"Key": "system", "Value": "intake"}],
    )
    rds.create_db_cluster(DBClusterIdentifier="risk", Engine="aurora-postgresql", MasterUsername="owner", MasterUserPassword="password1")
    rds.create_db_instance(DBInstanceIdentifier="risk-1", Engine="aurora-postgresql", DBInstanceClass="db.r6g.large", DBClusterIdentifier="risk")
    add((f"arn:aws:rds:{west}:{m}:db:ledger", m, west, "rds"))
    add((f"arn:aws:rds:{west}:{m}:cluster:risk", m, west, "aurora"))
    add((f"arn:aws:rds:{west}:{m}:db:risk-1", m, west, "aurora"))
    backup = _client(url, "backup", west)
    backup.create_backup_vault(BackupVaultName="main")
    _client(url, "backup", central).create_backup_vault(BackupVaultName="dr")
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [{
        "RuleName": "nightly", "TargetBackupVaultName": "main",
        "CopyActions": [{"DestinationBackupVaultArn": f"arn:aws:backup:{central}:{m}:backup-vault:dr"},
                        {"DestinationBackupVaultArn": f"arn:aws:backup:us-east-1:{m}:backup-vault:far"}],
    }]})
    main_vault = f"arn:aws:backup:{west}:{m}:backup-vault:main"
    add((main_vault, m, west, "backup"))
    add((f"arn:aws:backup:{central}:{m}:backup-vault:dr", m, central, "backup"))
    add((f"{main_vault}#copy:us-east-1", m, "us-east-1", "backup"))

    _client(url, "kinesis", central).create_stream(StreamName="events", ShardCount=1)
    add((f"arn:aws:kinesis:{central}:{m}:stream/events", m, central, "kinesis"))
    ecs = _client(url, "ecs", central).create_cluster(clusterName="apps", tags=[{"key": "system", "value": "platform"}])["cluster"]
    add((ecs["clusterArn"], m, central, "ecs"))
    eks = _client(url, "eks", central).create_cluster(name="k8s", roleArn=e.role, resourcesVpcConfig={"subnetIds": []}, tags={"system": "platform"})
    add((eks["cluster"]["arn"], m, central, "eks"))
    cache = _client(url, "elasticache", central).create_cache_cluster(
        CacheClusterId="sessions", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1
    )["CacheCluster"]
    add((cache["ARN"], m, central, "elasticache"))
    _client(url, "redshift", central).create_cluster(
        ClusterIdentifier="dwh", NodeType="dc2.large", MasterUsername="owner", MasterUserPassword="Password1",
        Tags=[{"Key": "system", "Value": "analytics"}],
    )
    add((f"arn:aws:redshift:{central}:{m}:cluster:dwh", m, central, "redshift"))
    efs = _client(url, "efs", central).create_file_system(CreationToken="files", Tags=[{"Key": "Name", "Value": "files"}])
    add((efs["FileSystemArn"], m, central, "efs"))
    pool = _client(url, "cognito-idp", central).create_user_pool(PoolName="traders")["UserPool"]
    add((pool["Arn"], m, central, "cognito"))
    sm = _client(url, "sagemaker", central)
    model = sm.create_model(ModelName="scan-classifier", ExecutionRoleArn=e.role, PrimaryContainer={"Image": f"{m}.dkr.ecr.{central}.amazonaws.com/scan:1"})
    notebook = sm.create_notebook_instance(NotebookInstanceName="lab", InstanceType="ml.t3.medium", RoleArn=e.role)
    sm.create_endpoint_config(EndpointConfigName="scan", ProductionVariants=[
        {"VariantName": "main", "ModelName": "scan-classifier", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
    endpoint = sm.create_endpoint(EndpointName="scan", EndpointConfigName="scan")
    add((model["ModelArn"], m, central, "sagemaker"))
    add((notebook["NotebookInstanceArn"], m, central, "sagemaker"))
    add((endpoint["EndpointArn"], m, central, "sagemaker"))
    _client(url, "glue", central).create_database(DatabaseInput={"Name": "lake"}, Tags={"system": "analytics"})
    add((f"arn:aws:glue:{central}:{m}:database/lake", m, central, "glue"))

    zone = _client(url, "route53", "us-east-1").create_hosted_zone(Name="customs.example.eu", CallerReference="zone-1")["HostedZone"]
    add((f"arn:aws:route53:::hostedzone/{zone['Id'].rsplit('/', 1)[-1]}", m, None, "route53"))
    distribution = _client(url, "cloudfront", "us-east-1").create_distribution(DistributionConfig={
        "CallerReference": "dist-1", "Comment": "declaration portal", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "scans", "DomainName": f"intake-scans.s3.{west}.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "scans", "ViewerProtocolPolicy": "https-only", "MinTTL": 0,
                                 "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}},
    })["Distribution"]
    add((distribution["ARN"], m, None, "cloudfront"))

    _client(url, "sqs", west, ca).create_queue(QueueName="a-queue")
    _client(url, "dynamodb", west, ca).create_table(TableName="a-table", **table)
    _client(url, "s3", north, ca).create_bucket(Bucket="a-north", CreateBucketConfiguration={"LocationConstraint": north})
    a_topic = _client(url, "sns", north, ca).create_topic(Name="a-topic")["TopicArn"]
    add((f"arn:aws:sqs:{west}:{a}:a-queue", a, west, "sqs"))
    add((f"arn:aws:dynamodb:{west}:{a}:table/a-table", a, west, "dynamodb"))
    add(("arn:aws:s3:::a-north", a, north, "s3"))
    add((a_topic, a, north, "sns"))
    add((f"arn:aws:iam::{a}:root", a, None, "iam"))
    _client(url, "sqs", central, cb).create_queue(QueueName="b-queue")
    b_key = _client(url, "kms", central, cb).create_key(Description="member b")["KeyMetadata"]["Arn"]
    add((f"arn:aws:sqs:{central}:{b}:b-queue", b, central, "sqs"))
    add((b_key, b, central, "kms"))
    add((f"arn:aws:iam::{b}:root", b, None, "iam"))
    assert queue["QueueUrl"]
    return e


@pytest.fixture(scope="module")
def estate(aws_env) -> Iterator[Estate]:  # noqa: F811 - the fixture aws_env
    """The estate, in a moto server of the requesting module's own."""
    with moto_server() as url:
        yield build_estate(url)


def _declared_calls() -> dict[tuple[str, str], str]:
    """(botocore service name, operation) -> IAM action, for every call the connector declares."""
    calls = {(client, op): action for client, table in discovery.CALLS.items() for op, action in table.items()}
    for spec in SERVICES.values():
        calls.update({(spec.client, op): action for op, action in spec.calls.items()})
    return calls


def _recorder():
    called: set[tuple[str, str]] = set()

    def record(model, **_):
        called.add((model.service_model.service_name, model.name))

    return called, record


def _scan(params: aws.Params, hooks=()):
    clients = ClientFactory(aws.client_settings(params), hooks=hooks)
    raw = aws.fetch(params, ScanContext(), clients=clients)
    return raw, aws.normalize(raw, params)


def _found(batch) -> dict[str, tuple[str, str | None, str]]:
    return {c.id: (c.account, c.region, c.service) for c in batch.components}


@pytest.fixture(scope="module")
def org_scan(estate) -> tuple[dict, object, set[tuple[str, str]]]:
    """One scan of the whole organisation, every service, three regions, every call recorded."""
    called, record = _recorder()
    params = aws.Params(endpoint_url=estate.url, assume_role=ROLE, regions=REGIONS, max_attempts=2)
    raw, batch = _scan(params, hooks=[("before-call", record)])
    return raw, batch, called


# --- reading ---------------------------------------------------------------------------------------


def test_every_resource_of_every_account_is_found_in_its_own_region(estate, org_scan):
    _, batch, _ = org_scan

    found = {(arn, *where) for arn, where in _found(batch).items()}
    missing = estate.expected - found

    assert not missing, f"not found, or found elsewhere: {sorted(missing)}"
    assert {c.account for c in batch.components} == {MANAGEMENT, estate.member_a, estate.member_b}


def test_a_clean_scan_reads_every_account_region_and_service(estate, org_scan):
    raw, batch, _ = org_scan

    statuses = {(c.scope, c.status) for c in batch.coverage}
    expected_reads = {
        (f"{account}/{region}/{key}", "read")
        for account in (MANAGEMENT, estate.member_a, estate.member_b)
        for key, spec in SERVICES.items()
        for region in (["global"] if spec.scope == "global" else REGIONS)
    }

    assert expected_reads <= statuses
    assert all(c.status == "read" for c in batch.coverage)
    assert raw["accounts"] == sorted([MANAGEMENT, estate.member_a, estate.member_b])
    assert (f"{MANAGEMENT}/organizations", "read") in statuses


def test_dependencies_and_key_custody_come_from_what_the_apis_say(estate, org_scan):
    _, batch, _ = org_scan
    comps = {c.id: c for c in batch.components}
    west, central = REGIONS[0], REGIONS[1]
    key = estate.keys["customer"]
    main_vault = f"arn:aws:backup:{west}:{MANAGEMENT}:backup-vault:main"

    edges = {(c.id, d) for c in batch.components for d in c.depends_on}
    assert (f"arn:aws:lambda:{west}:{MANAGEMENT}:function:intake-fn", key) in edges
    assert (f"arn:aws:rds:{west}:{MANAGEMENT}:db:ledger", key) in edges
    assert (f"arn:aws:rds:{west}:{MANAGEMENT}:db:risk-1", f"arn:aws:rds:{west}:{MANAGEMENT}:cluster:risk") in edges
    assert (f"arn:aws:dynamodb:{west}:{MANAGEMENT}:table/declarations", key) in edges
    assert (f"{main_vault}#copy:us-east-1", main_vault) in edges
    distribution = next(c for c in batch.components if c.service == "cloudfront")
    assert distribution.depends_on == ("arn:aws:s3:::intake-scans",)
    # The copy to eu-central-1 lands in a vault that was read there: that record stands for it.
    assert f"{main_vault}#copy:{central}" not in comps
    assert {(comps[k].key_custody, comps[k].kind) for k in (key, estate.keys["imported"])} == {
        ("customer-managed", "kms-key (customer-managed)"), ("customer-held", "kms-key (imported)")}
    assert comps[f"arn:aws:dynamodb:{west}:{MANAGEMENT}:table/declarations"].key_custody == "customer-managed"
    assert comps[f"arn:aws:dynamodb:{west}:{estate.member_a}:table/a-table"].key_custody == "provider"
    # Every dependency kept points at a component of the batch.
    assert all(d in comps for c in batch.components for d in c.depends_on)


def test_tags_come_from_the_service_or_the_tagging_api(estate, org_scan):
    _, batch, _ = org_scan
    comps = {c.id: c for c in batch.components}
    west = REGIONS[0]

    assert comps["arn:aws:s3:::intake-scans"].tags == {"system": "intake"}  # tagging API
    assert comps[f"arn:aws:sqs:{west}:{MANAGEMENT}:intake-queue"].tags == {"system": "intake"}  # tagging API
    assert comps[f"arn:aws:rds:{west}:{MANAGEMENT}:db:ledger"].tags == {"system": "intake"}  # the service's own listing
    glue = comps[f"arn:aws:glue:{REGIONS[1]}:{MANAGEMENT}:database/lake"]  # read by no module, found through its tags
    assert (glue.service, glue.kind, glue.tags) == ("glue", "glue:database", {"system": "analytics"})


def test_every_call_made_is_declared_and_every_declared_call_is_made(estate, org_scan):
    _, _, called = org_scan
    declared = _declared_calls()
    more_called, record = _recorder()
    params = aws.Params(endpoint_url=estate.url, services=["sqs"], max_attempts=2)  # no regions: DescribeRegions

    _scan(params, hooks=[("before-call", record)])
    called = called | more_called

    assert called - set(declared) == set(), "calls made that no module declares"
    assert set(declared) - called == set(), "declared calls never made"
    assert {declared[c] for c in called} == set(aws.PERMISSIONS)


def test_without_regions_every_region_enabled_in_the_account_is_read(estate):
    far = "ap-southeast-2"
    _client(estate.url, "sqs", far).create_queue(QueueName="far-away")
    regions = _client(estate.url, "ec2", "us-east-1").describe_regions()["Regions"]
    enabled = {r["RegionName"] for r in regions if r["OptInStatus"] != "not-opted-in"}
    params = aws.Params(endpoint_url=estate.url, services=["sqs"], max_attempts=2)

    raw, batch = _scan(params)

    assert {r["region"] for r in raw["results"]} == enabled
    assert len(enabled) < len(regions)  # opt-in regions the account has not enabled are not read
    assert _found(batch)[f"arn:aws:sqs:{far}:{MANAGEMENT}:far-away"] == (MANAGEMENT, far, "sqs")


def test_profiles_read_one_account_each(estate, aws_env, monkeypatch):
    sts = _client(estate.url, "sts", "us-east-1")
    lines = []
    for name, account in (("member-a", estate.member_a), ("member-b", estate.member_b)):
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="profile")["Credentials"]
        lines += [f"[{name}]", f"aws_access_key_id = {c['AccessKeyId']}", f"aws_secret_access_key = {c['SecretAccessKey']}",
                  f"aws_session_token = {c['SessionToken']}", ""]
    credentials = aws_env / "profiles"
    credentials.write_text("\n".join(lines))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    params = aws.Params(endpoint_url=estate.url, profiles=["member-a", "member-b"], regions=REGIONS, services=["sqs", "iam"], max_attempts=2)

    raw, batch = _scan(params)

    assert raw["accounts"] == sorted([estate.member_a, estate.member_b])
    assert {(c.account, c.name) for c in batch.components if c.service == "sqs"} == {(estate.member_a, "a-queue"), (estate.member_b, "b-queue")}


def test_a_caller_that_cannot_be_identified_stops_the_source_with_the_reason(aws_env):
    params = aws.Params(endpoint_url="http://127.0.0.1:9", regions=["eu-west-1"], max_attempts=1, connect_timeout=1)

    with pytest.raises(discovery.AwsSourceError) as info:
        aws.fetch(params, ScanContext())

    assert "cannot identify the caller" in str(info.value)
    assert "EndpointConnectionError" in str(info.value)


# --- what cannot be read ----------------------------------------------------------------------------


def test_denied_throttled_and_failing_calls_are_reported_and_the_rest_is_read(estate):
    west, central, north = REGIONS
    a, b, m = estate.member_a, estate.member_b, MANAGEMENT
    faults = [
        Fault("sts", "AccessDenied", 403, "query", operation="AssumeRole", contains=b),
        Fault("kms", "AccessDeniedException", 400, "json", region=central),
        Fault("ec2", "UnauthorizedOperation", 403, "ec2", operation="DescribeVolumes", region=west),
        Fault("lambda", "AccessDeniedException", 403, "rest-json", path=r"/functions"),
        Fault("s3", "AccessDenied", 403, "rest-xml", path=r"^/archive-central\?location"),
        Fault("dynamodb", "ThrottlingException", 400, "json", operation="ListTables", times=1),
        Fault("sns", "Throttling", 400, "query", operation="ListTopics", region=north),
        Fault("cognito-idp", "InternalErrorException", 400, "json", operation="ListUserPools"),
    ]
    with AwsWeather(estate.url, fault_rule(faults)) as proxy:
        params = aws.Params(endpoint_url=proxy.url, assume_role=ROLE, regions=REGIONS, max_attempts=2)
        _, batch = _scan(params)

    gaps = {(c.scope, c.status) for c in batch.coverage if c.status != "read"}
    assert gaps == {
        (b, "denied"),
        (f"{m}/{central}/kms", "denied"), (f"{a}/{central}/kms", "denied"),
        (f"{m}/{west}/ebs", "denied"), (f"{a}/{west}/ebs", "denied"),
        *{(f"{acct}/{r}/lambda", "denied") for acct in (m, a) for r in REGIONS},
        (f"{m}/global/s3", "denied"),
        (f"{m}/{north}/sns", "failed"), (f"{a}/{north}/sns", "failed"),
        *{(f"{acct}/{r}/cognito", "failed") for acct in (m, a) for r in REGIONS},
    }
    details = {c.scope: c.detail for c in batch.coverage}
    assert details[b].startswith("sts:AssumeRole: AccessDenied")
    assert details[f"{m}/{west}/ebs"].startswith("ec2:DescribeVolumes: UnauthorizedOperation")
    assert details[f"{m}/{north}/sns"] == "sns:ListTopics: still throttled (Throttling) after 2 attempt(s)"
    assert details[f"{m}/global/s3"] == "s3:GetBucketLocation denied for 1 of 3 resource(s), listed without those details"
    assert details[f"{m}/{west}/cognito"].startswith("cognito-idp:ListUserPools: InternalErrorException")
    assert faults[5].hits == 1  # throttled once, then read on the retry
    found = _found(batch)
    assert found["arn:aws:s3:::archive-central"] == (m, None, "s3")  # its location was denied: no guessed region
    assert found["arn:aws:s3:::intake-scans"] == (m, west, "s3")
    assert found[f"arn:aws:dynamodb:{west}:{m}:table/declarations"] == (m, west, "dynamodb")
    assert found[f"arn:aws:sqs:{west}:{a}:a-queue"] == (a, west, "sqs")
    assert not any(c.account == b for c in batch.components)


def test_organizations_denied_reads_the_callers_account_and_says_so(estate):
    faults = [Fault("organizations", "AccessDeniedException", 400, "json", operation="ListAccounts")]
    with AwsWeather(estate.url, fault_rule(faults)) as proxy:
        params = aws.Params(endpoint_url=proxy.url, assume_role=ROLE, regions=REGIONS[:1], services=["sqs"], max_attempts=2)
        raw, batch = _scan(params)

    assert raw["accounts"] == [MANAGEMENT]
    [entry] = [c for c in batch.coverage if c.scope.endswith("/organizations")]
    assert entry.status == "denied"
    assert "only the caller's account" in entry.detail


# --- sovmap scan, end to end -----------------------------------------------------------------------------

INVENTORY = """\
version: 1
organization: {name: Example Customs Agency, country: NL}
systems:
  - {id: intake, name: Declaration intake, criticality: critical, classification: confidential}
  - {id: platform, name: Container platform, criticality: high}
  - {id: analytics, name: Analytics, criticality: medium}
  - {id: member-a, name: Member account A workloads, criticality: low}
"""


def test_sovmap_scan_stores_every_resource_and_an_incomplete_snapshot_with_the_denied_service(estate, tmp_path):
    from inventory.store import open_store
    from sovmap.cli import app

    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    faults = [Fault("sagemaker", "AccessDeniedException", 400, "json", region=REGIONS[1])]
    db = f"sqlite:///{tmp_path / 'sovmap.db'}"
    runner = CliRunner()
    with AwsWeather(estate.url, fault_rule(faults)) as proxy:
        (tmp_path / "sovmap.yaml").write_text(
            "version: 1\n"
            "sources:\n"
            "  - {type: declared, path: inventory.yaml}\n"
            f"  - {{type: aws, assume_role: {ROLE}, regions: [{', '.join(REGIONS)}], endpoint_url: '{proxy.url}', max_attempts: 2}}\n"
            "attribution:\n"
            "  tag_keys: [system]\n"
            f"  rules:\n    - {{match: {{account: '{estate.member_a}'}}, system: member-a}}\n"
        )
        scanned = runner.invoke(app, ["scan", "-c", str(tmp_path / "sovmap.yaml"), "--db", db, "--json"])

    assert scanned.exit_code == 0, scanned.output
    summary = json.loads(scanned.stdout)
    assert summary["status"] == "incomplete"
    store = open_store(db)
    inv = store.load_inventory(summary["snapshot"])
    stored = {(c.id, c.account, c.region, c.service) for c in inv.components.values() if c.provider == "aws"}
    assert {e for e in estate.expected if e[3] != "sagemaker"} <= stored
    assert not any(s == "sagemaker" and a == MANAGEMENT for _, a, _, s in stored)
    assert inv.components["arn:aws:s3:::intake-scans"].system == "intake"  # by tag
    assert inv.components[f"arn:aws:sqs:{REGIONS[0]}:{estate.member_a}:a-queue"].system == "member-a"  # by rule
    unattributed = {f["scope"]["component"] for f in store.findings(summary["snapshot"]) if f["type"] == "unattributed-resource"}
    assert f"arn:aws:iam::{MANAGEMENT}:root" in unattributed

    shown = runner.invoke(app, ["coverage", "--db", db, "--json"])
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.stdout)
    gaps = {(e["scope"], e["status"]) for e in report["entries"] if e["status"] != "read"}
    assert gaps == {(f"{acct}/{REGIONS[1]}/sagemaker", "denied") for acct in (MANAGEMENT, estate.member_a, estate.member_b)}
    assert report["status"] == "incomplete"
    table = runner.invoke(app, ["coverage", "--db", db])
    assert table.exit_code == 0, table.output
    assert "snapshot 1 is incomplete: 3 scope(s) not fully read" in table.stdout
    assert table.stdout.count("denied") >= 3 and "AccessDeniedException" in re.sub(r"[\s│]", "", table.stdout)


# --- the documented policy -------------------------------------------------------------------------------


def test_the_policy_in_the_docs_is_exactly_the_declared_calls():
    text = (ROOT / "docs" / "connectors" / "aws.md").read_text()
    block = re.search(r"```json\n(.*?)```", text, re.DOTALL).group(1)

    policy = json.loads(block)
    actions = {a for statement in policy["Statement"] for a in statement["Action"]}

    assert actions == set(aws.PERMISSIONS)
    assert all(s["Effect"] == "Allow" and s["Resource"] == "*" for s in policy["Statement"])
