# xunlian 的中文消息目录（默认语言）。键与 en.ftl 一一对应；
# daemon/i18n/tests.rs 检查两者的键和参数一致、代码用到的键都在这里。

## 命令行帮助：clap 的标题
help-usage = 用法：
help-options = 选项
help-arguments = 参数
help-commands = 命令
help-examples = 示例：

## 命令说明 (cmd-路径)
cmd-xunlian = xunlian（巡联）：四级巡视巡察上下联动监督网的同步守护进程。每个机构运行一个守护进程，通过双向 TLS 与上级和下级交换巡察计划、问题、整改和交办事项。
cmd-xunlian-daemon = 按配置文件运行一个节点
cmd-xunlian-demo = 在本机运行一个小型演示网络并执行预设场景
cmd-xunlian-network = 生成整个网络（证书和配置），用于试点和测试
cmd-xunlian-network-init = 按机构树文件生成每个节点的证书和配置
cmd-xunlian-pki = 逐步管理网络的证书机构 (CA)
cmd-xunlian-pki-init = 创建网络 CA
cmd-xunlian-pki-issue = 为一个节点签发证书
cmd-xunlian-pki-revoke = 吊销一个证书（写入 CRL）
cmd-xunlian-pki-sign-key = 生成机构的记录签名密钥（及线索密封密钥），输出其公钥行
cmd-xunlian-pki-manifest = 用 CA 签署机构树清单 (manifest)
cmd-xunlian-submit = 向运行中的节点提交记录（操作员接口）
cmd-xunlian-query = 查询运行中节点持有的记录，按 JSON 行输出
cmd-xunlian-status = 显示运行中节点的状态、链路和积压
cmd-xunlian-quarantine = 列出节点拒收（隔离）的记录；原因解决后重试，或丢弃
cmd-xunlian-quarantine-list = 列出隔离的记录
cmd-xunlian-quarantine-retry = 重试隔离的记录
cmd-xunlian-quarantine-discard = 丢弃隔离的记录（须说明原因）
cmd-xunlian-import = 从 Excel/CSV 导入名册、问题、整改进展，或生成模板
cmd-xunlian-import-units = 导入被巡察党组织名册
cmd-xunlian-import-findings = 导入巡察发现的问题
cmd-xunlian-import-progress = 导入整改进展
cmd-xunlian-import-template = 生成导入模板（.xlsx 或 .csv）
cmd-xunlian-units = 管理本机构的被巡察党组织名册
cmd-xunlian-units-import = 导入名册（同 import units）
cmd-xunlian-report = 本机构及下级的覆盖、统计和整改台账
cmd-xunlian-report-coverage = 本届巡察全覆盖情况
cmd-xunlian-report-stats = 问题和整改统计
cmd-xunlian-report-ledger = 整改台账
cmd-xunlian-report-assignments = 交叉巡察和提级巡察的安排
cmd-xunlian-export = 导出问题清单或整改台账为 CSV（供 Excel 使用）
cmd-xunlian-supervise = 立即执行督办：为未完成事项定级，等级变化时发通知
cmd-xunlian-assign = 由统筹机构安排交叉巡察和提级巡察，并在反馈时发布交叉巡察问题
cmd-xunlian-assign-cross = 规划并下达一轮交叉巡察
cmd-xunlian-assign-elevated = 提级巡察：接管下级机构的被巡察单位
cmd-xunlian-assign-release = 立即发布反馈日期已到的交叉巡察问题

## 示例 (ex-路径)
ex-xunlian =
    {"  "}xunlian network init --tree tree.toml --dir net
    {"  "}xunlian daemon --config net/630102/config.toml
    {"  "}xunlian status --config net/630102/config.toml
    {"  "}xunlian --lang en status --config net/630102/config.toml   # 英文输出
ex-xunlian-daemon = {"  "}xunlian daemon --config /etc/xunlian/config.toml
ex-xunlian-demo = {"  "}xunlian demo --once
ex-xunlian-network = {"  "}xunlian network init --tree tree.toml --dir net
ex-xunlian-network-init =
    {"  "}xunlian network init --tree tree.toml --dir net
    {"  "}xunlian network init --tree tree.toml --dir net --addressing hosts --crypto sm
ex-xunlian-pki = {"  "}xunlian pki init --dir ca
ex-xunlian-pki-init = {"  "}xunlian pki init --dir ca --name "某省巡察网 CA"
ex-xunlian-pki-issue = {"  "}xunlian pki issue --ca ca --node 630102 --out certs/630102 --dns node-630102
ex-xunlian-pki-revoke = {"  "}xunlian pki revoke --ca ca --cert certs/630102/node.pem
ex-xunlian-pki-sign-key = {"  "}xunlian pki sign-key --config config.toml --out sign.key --seal-out seal.key
ex-xunlian-pki-manifest = {"  "}xunlian pki manifest --ca ca --tree tree.toml --keys keys/ --version 2 --out manifest.json
ex-xunlian-submit =
    {"  "}xunlian submit --config config.toml --kind finding --file 问题.json --round 2026-1
    {"  "}xunlian submit --config config.toml --kind finding --file 问题.jsonl   # 批量，每行一条
ex-xunlian-query = {"  "}xunlian query --config config.toml --kind finding --round 2026-1
ex-xunlian-status =
    {"  "}xunlian status --config config.toml
    {"  "}xunlian status --config config.toml --json
ex-xunlian-quarantine = {"  "}xunlian quarantine list --config config.toml
ex-xunlian-quarantine-list = {"  "}xunlian quarantine list --config config.toml
ex-xunlian-quarantine-retry = {"  "}xunlian quarantine retry --config config.toml 3 4
ex-xunlian-quarantine-discard = {"  "}xunlian quarantine discard --config config.toml 5 --why "重复提交"
ex-xunlian-import = {"  "}xunlian import units --config config.toml 名册.xlsx
ex-xunlian-import-units = {"  "}xunlian import units --config config.toml 名册.xlsx
ex-xunlian-import-findings = {"  "}xunlian import findings --config config.toml 问题.xlsx
ex-xunlian-import-progress = {"  "}xunlian import progress --config config.toml 整改.csv
ex-xunlian-import-template = {"  "}xunlian import template findings --out 问题模板.xlsx
ex-xunlian-units = {"  "}xunlian units import --config config.toml 名册.csv
ex-xunlian-units-import = {"  "}xunlian units import --config config.toml 名册.csv --replace
ex-xunlian-report = {"  "}xunlian report ledger --config config.toml
ex-xunlian-report-coverage = {"  "}xunlian report coverage --config config.toml --term 2021-2026
ex-xunlian-report-stats = {"  "}xunlian report stats --config config.toml --round 2026-1
ex-xunlian-report-ledger = {"  "}xunlian report ledger --config config.toml --round 2026-1
ex-xunlian-report-assignments = {"  "}xunlian report assignments --config config.toml
ex-xunlian-export = {"  "}xunlian export findings --config config.toml --out 问题清单.csv
ex-xunlian-supervise = {"  "}xunlian supervise --config config.toml
ex-xunlian-assign = {"  "}xunlian assign cross --config config.toml --offices 630102,630103 --round 2026-1 --dry-run
ex-xunlian-assign-cross = {"  "}xunlian assign cross --config config.toml --offices 630102,630103,630104 --round 2026-1 --dry-run
ex-xunlian-assign-elevated = {"  "}xunlian assign elevated --config config.toml --office 630102 --units u1,u2 --round 2026-1
ex-xunlian-assign-release = {"  "}xunlian assign release --config config.toml

## 参数说明 (arg-路径-名称，或各命令共用的 arg-名称)
arg-help = 显示帮助
arg-version = 显示版本
arg-lang = 界面语言：zh（中文，默认）或 en（英文）；也可用配置 ui.lang 或环境变量 LANG
arg-config = 节点的 TOML 配置文件
arg-json = 以 JSON 输出，供脚本使用
arg-round = 只看这一轮（其 round_id）
arg-file = 表格文件：.xlsx、.xls、.ods 或 .csv（UTF-8 或 GBK/GB18030）
arg-replace = 替换整个名册，而不是并入
arg-xunlian-daemon-log_json = 以 JSON 行记录日志（覆盖 log.format）
arg-xunlian-demo-dir = 存放网络证书、配置和 SQLite 文件的目录（默认：新建临时目录）
arg-xunlian-demo-once = 场景结束后以状态 0 退出，而不是一直运行到 Ctrl-C
arg-xunlian-demo-ports = 使用的本机端口范围 LOW-HIGH（每个机构两个，逐一检查空闲）；默认同 network init
arg-xunlian-network-init-tree = 机构树文件 (TOML)：每个机构一个 [[node]] 表，含 id、name、level 和 parent（中央无 parent）
arg-xunlian-network-init-dir = 输出目录，须为空或不存在；每个节点得到 DIR/<id>/config.toml
arg-xunlian-network-init-addressing = loopback（默认）：所有节点在本机、用空闲本机端口；hosts：每个节点一台主机 node-<id>（容器），对等端口 7443，操作员接口 127.0.0.1:8443
arg-xunlian-network-init-stores = 某个节点的存储 URL，写作 ID=URL（可重复），如 000000=postgres://xunlian@db/xunlian；其余节点用 SQLite 文件
arg-xunlian-network-init-ports = loopback 时使用的端口范围 LOW-HIGH（每个节点两个）；默认为内核临时端口以下的范围
arg-xunlian-network-init-crypto = 记录签名的密码算法：standard（默认，ECDSA P-256、SHA-256）或 sm（SM2、SM3，商用密码 GB/T 39786）；TLS 均为 1.3
arg-xunlian-pki-init-dir = 存放 CA 文件的目录；其中不得已有 CA 私钥
arg-xunlian-pki-init-name = CA 证书的通用名（默认 "xunlian network CA"）
arg-xunlian-pki-init-days = CA 证书的有效天数（默认 3650）
arg-xunlian-pki-issue-ca = CA 目录（由 pki init 生成）
arg-xunlian-pki-issue-node = 证书所属的节点编号（GB/T 2260 代码，或字母、数字、- 和 _）
arg-xunlian-pki-issue-out = 输出目录：写入 node.pem 和 node.key（权限 0600）
arg-xunlian-pki-issue-dns = 节点服务使用的 DNS 名（可重复）
arg-xunlian-pki-issue-ip = 节点服务使用的 IP 地址（可重复）
arg-xunlian-pki-issue-days = 有效天数（默认 825）
arg-xunlian-pki-revoke-ca = CA 目录
arg-xunlian-pki-revoke-cert = 要吊销的证书 (PEM)
arg-xunlian-pki-sign-key-out = 私钥写到这里（PKCS#8 PEM，权限 0600）；已存在则不覆盖
arg-xunlian-pki-sign-key-seal_out = 同时生成线索密封密钥并加入此文件（已有的密钥保留，旧线索仍可打开）；其公钥写在同一行
arg-xunlian-pki-sign-key-node = 密钥所属的机构，写在公钥行中
arg-xunlian-pki-sign-key-config = 机构的配置文件，从中读取机构编号
arg-xunlian-pki-sign-key-crypto = 网络的密码套件 (network init --crypto)：standard（默认）或 sm
arg-xunlian-pki-manifest-ca = CA 目录（由 pki init 生成），用其 ca.key 签名
arg-xunlian-pki-manifest-tree = 机构树文件 (TOML)，同 network init
arg-xunlian-pki-manifest-keys = 各机构 pki sign-key 输出的公钥行：一个文件，或一个目录（不含 "office" 的行属于以文件名命名的机构，如 630102.json）
arg-xunlian-pki-manifest-version = 清单版本号，须高于各机构已有的版本
arg-xunlian-pki-manifest-unsigned_before = 此时间（RFC 3339 或 now）之前的未签名记录作为旧记录放行；之后的必须签名
arg-xunlian-pki-manifest-out = 签名后的清单 (JSON) 写到这里
arg-xunlian-pki-manifest-crypto = 网络的密码套件：每个机构的密钥都须属于它；standard（默认）或 sm
arg-xunlian-submit-config = 节点的 TOML 配置文件（给出操作员接口地址和令牌）
arg-xunlian-submit-kind = 记录种类：round_plan、finding、clue、rectification、assignment、notice 或 health
arg-xunlian-submit-file = 存放记录正文的 JSON 文件；或含 "body" 及可选 "id"、"round_id"、"classification" 的对象；或多条（JSON 数组或 JSON 行，即批量提交）：有错的行按行号拒收，其余存储；没有 id 的条目按内容生成 id，重复运行同一文件不会重复存储。用 - 表示标准输入
arg-xunlian-submit-id = 单条提交的记录编号 (UUID)；同一编号重复提交是幂等的
arg-xunlian-submit-round = 记录所属的巡察轮次
arg-xunlian-submit-verbose = 批量提交：输出每条已存储的记录（JSON 行），而不只是汇总
arg-xunlian-query-kind = 只看这一种记录
arg-xunlian-query-round = 只看这一轮的记录
arg-xunlian-query-origin = 只看这个机构写入的记录
arg-xunlian-query-since = 只看此变更序号之后存储的，或此 RFC 3339 时间之后更新的记录
arg-xunlian-query-after = 下一页：此变更序号之后存储的记录（上一页最后一行 stderr 给出）
arg-xunlian-query-limit = 最多这么多条（一页，默认 1000）；还有更多时 stderr 会说明如何获取
arg-xunlian-quarantine-list-json = 以 JSON 输出隔离条目，供脚本使用
arg-xunlian-quarantine-retry-ids = 隔离条目编号（quarantine list 的第一列）
arg-xunlian-quarantine-retry-why = 原因：与操作员一起记入节点日志；丢弃时必填
arg-xunlian-quarantine-retry-json = 以 JSON 输出节点的答复，供脚本使用
arg-xunlian-quarantine-discard-ids = 隔离条目编号（quarantine list 的第一列）
arg-xunlian-quarantine-discard-why = 原因：与操作员一起记入节点日志；丢弃时必填
arg-xunlian-quarantine-discard-json = 以 JSON 输出节点的答复，供脚本使用
arg-xunlian-import-template-kind = 模板种类：units（名册）、findings（问题）或 progress（整改进展）
arg-xunlian-import-template-out = 输出文件：.xlsx 或 .csv
arg-xunlian-report-coverage-term = 届，如 2021-2026；默认为分类表中最新的一届
arg-xunlian-export-what = 导出什么：findings（问题清单）或 ledger（整改台账）
arg-xunlian-export-out = CSV 写到这里，而不是标准输出
arg-xunlian-assign-cross-config = 统筹机构节点的 TOML 配置文件
arg-xunlian-assign-cross-offices = 参加的机构，逗号分隔的节点编号（至少两个）
arg-xunlian-assign-cross-round = 各巡察机构计划共用的轮次编号
arg-xunlian-assign-cross-avoid_last = 不重复本机构最近 N 轮交叉安排中的配对（默认 0）
arg-xunlian-assign-cross-different_parent = 巡察方与被巡察方的上级不同（异地交叉）
arg-xunlian-assign-cross-allow_mutual = 允许同一轮中 A→B 与 B→A 并存
arg-xunlian-assign-cross-seed = 规划的随机种子：同一种子得到同一方案（默认由轮次编号得出）
arg-xunlian-assign-cross-capacity = 某机构巡察或被巡察不止一次，写作 OFFICE=巡察数/被巡察数（如 630102=2/1）；可重复
arg-xunlian-assign-cross-dry_run = 只打印方案，不下达
arg-xunlian-assign-elevated-config = 接管机构节点的 TOML 配置文件
arg-xunlian-assign-elevated-office = 其单位被接管的下级机构
arg-xunlian-assign-elevated-units = 接管的单位，逗号分隔的该机构名册中的单位编号
arg-xunlian-assign-elevated-round = 轮次编号
arg-xunlian-assign-release-config = 统筹机构节点的 TOML 配置文件

## 枚举值的名称 (组-代码)
state-ok = 正常
state-lagging = 滞后
state-stale = 失联
state-down = 离线
state-never_seen = 从未连接
level-central = 中央
level-provincial = 省级
level-municipal = 市级
level-county = 县级
dir-parent = 上级
dir-child = 下级

## xunlian status
status-node = 节点 { $id } { $name }（{ $level }），xunlian { $version }，代次 { $generation }
status-records = 记录：{ $list }
status-none = 无
status-quarantined = 隔离：{ $n }
status-this-node = 本节点：{ $verdict }
status-problem = 问题：{ $problem }
status-connected = 已连接
status-disconnected = 未连接
status-failing = 自上次成功起会话失败：{ $error }
status-ago = { $secs } 秒前
status-never = 从未
status-col-peer = 对端
status-col-dir = 方向
status-col-state = 状态
status-col-backlog = 积压
status-col-lag = 滞后(秒)
status-col-in = 收到
status-col-out = 发出
status-col-notes = 备注
status-col-office = 机构
status-col-health = 健康
status-col-last-report = 最后报告
status-col-down = 断开
status-col-name = 名称

## 仪表盘 (GET /)
dash-meta = xunlian { $version } · 代次 { $generation } · 刷新于 { $refreshed }（每 { $secs } 秒）
dash-other-lang = English
dash-store = 存储
dash-no-records = 无记录
dash-offices = 下级机构（本机构以下 { $n } 个）
dash-filter = 筛选：名称、代码、状态…
dash-col-office = 机构
dash-col-state = 状态
dash-col-reason = 原因
dash-col-since = 起始
dash-col-last-report = 最后报告
dash-col-backlog = 积压
dash-col-lag = 滞后（秒）
dash-col-links-down = 链路中断
dash-this-office = 本机构
dash-now = 现在
dash-unreachable-group = { $n } 个下级机构经 { $id } 不可达
dash-unreachable-via = 经 { $via } 不可达
dash-since = 自 { $t } 起
dash-links = 链路
dash-col-peer = 对端
dash-col-direction = 方向
dash-col-last-seen = 最后通信
dash-col-in = 收到
dash-col-out = 发出
dash-col-refusals = 拒收
dash-col-notes = 备注
dash-failing = 会话失败，自上次成功（{ $ago }）起：{ $cause }
dash-certificates = 证书
dash-col-holder = 持有者
dash-col-expires = 到期
dash-expired = 已过期
dash-expires-in = { $days } 天后到期，请更新证书
dash-rounds = 当前巡察轮次
dash-col-title = 标题
dash-col-kind = 类型
dash-col-term-round = 届 / 轮
dash-col-dates = 日期
dash-quarantine = 隔离区（最近 { $n } 条）
dash-col-id = 编号
dash-col-when = 时间
dash-col-from = 来自
dash-col-record = 记录
dash-col-code = 拒收类别
dash-local = 本机
dash-sign-in-title = 登录
dash-token-label = 访问令牌
dash-wrong-token = 令牌不正确，请重新输入。
dash-sign-in = 登录

## 整改状态与督办预警 (导出、台账)
rect-state-awaiting_plan = 待制定方案
rect-state-planned = 已制定方案
rect-state-in_progress = 整改中
rect-state-completed = 已完成
rect-state-reopened = 重新整改
rect-state-verified = 已销号
grade-none = 无
grade-green = 绿色
grade-yellow = 黄色
grade-red = 红色

## xunlian assign cross
plan-title = 第 { $round } 轮交叉巡察安排（种子 { $seed }）
plan-avoided = 不重复以下轮次的配对：{ $rounds }
plan-col-inspecting = 巡察方
plan-col-inspected = 被巡察方
plan-issued = 已作为交办事项 { $id } 下达；它送达其中每个机构，各巡察机构以 "assignment_id": "{ $id }" 制定第 { $round } 轮计划
plan-dry-run = 试运行：未下达 (dry run: nothing issued)

## 命令行消息
msg-error = 错误：{ $error }

## xunlian report ledger
ledger-col-state = 状态
ledger-col-grade = 预警
ledger-col-due = 期限
ledger-col-attempt = 整改轮次
ledger-col-host = 整改主体
ledger-col-round = 轮次
ledger-col-title = 问题

## 办公室增减、备份恢复、升级、工作台账号的命令

cmd-xunlian-network-add-office = 在运行中的网络增设一个办公室：证书、密钥、令牌、配置和新版机构树，无需重启
cmd-xunlian-network-move-office = 调整办公室的隶属关系：新版机构树，办公室配置指向新上级（须重启被调整的办公室）
cmd-xunlian-network-merge-office = 撤并或更名换码：指定继任办公室，可更新并销号原办公室的记录；原办公室证书吊销
cmd-xunlian-backup = 备份运行中节点的 SQLite 存储（PostgreSQL 用 pg_dump）
cmd-xunlian-restore = 用备份恢复已停止节点的存储；恢复后先从上级取回备份后上报的记录
cmd-xunlian-user = 工作台账号：新建、改密码、停用
cmd-xunlian-user-add = 新建工作台账号，密码从标准输入读取
cmd-xunlian-user-passwd = 重设密码（从标准输入读取）并重新启用账号
cmd-xunlian-user-disable = 停用账号，其会话立即结束
cmd-xunlian-audit = 工作台操作审计：谁、何时、哪条记录、从哪个地址
cmd-xunlian-migrate = 升级前检查存储迁移：待执行的迁移做什么，上一版本之后能否读取
ex-xunlian-network-add-office = {"  "}xunlian network add-office --dir net --id 630104 --name 城西区委巡察办 --level county --parent 630100
ex-xunlian-network-move-office = {"  "}xunlian network move-office --dir net --id 630202 --parent 630100
ex-xunlian-network-merge-office = {"  "}xunlian network merge-office --dir net --from 630103 --into 630102
ex-xunlian-backup = {"  "}xunlian backup --config county.toml --out /backup/630102-2026-12-07.db
ex-xunlian-restore = {"  "}xunlian restore --config county.toml --from /backup/630102-2026-12-07.db
ex-xunlian-user = {"  "}echo '至少八位的密码' | xunlian user add --config county.toml 张三 --role 录入
ex-xunlian-user-add = {"  "}echo '至少八位的密码' | xunlian user add --config county.toml 张三 --role 录入
ex-xunlian-user-passwd = {"  "}xunlian user passwd --config county.toml 张三 < 新密码.txt
ex-xunlian-user-disable = {"  "}xunlian user disable --config county.toml 张三
ex-xunlian-audit = {"  "}xunlian audit --config county.toml --user 张三 --limit 20
ex-xunlian-migrate = {"  "}xunlian migrate --check --config county.toml
arg-xunlian-network-add-office-dir = 网络目录（network init --dir），含 ca/
arg-xunlian-network-add-office-id = 新办公室的编号（行政区划代码）
arg-xunlian-network-add-office-name = 名称，如 城东区委巡察办
arg-xunlian-network-add-office-level = 层级：provincial（省）、municipal（市）或 county（县）
arg-xunlian-network-add-office-parent = 上级办公室的编号
arg-xunlian-network-add-office-ports = 本机网络时取端口的范围 LOW-HIGH（不占用网络中已有办公室的端口）
arg-xunlian-network-move-office-dir = 网络目录（network init --dir），含 ca/
arg-xunlian-network-move-office-id = 要调整的办公室
arg-xunlian-network-move-office-parent = 新的上级办公室
arg-xunlian-network-merge-office-dir = 网络目录（network init --dir），含 ca/
arg-xunlian-network-merge-office-from = 被撤并的办公室（其记录保留，由继任者接管）
arg-xunlian-network-merge-office-into = 继任办公室
arg-xunlian-backup-out = 备份文件（须为新文件）
arg-xunlian-restore-from = xunlian backup 写的备份（SQLite）；PostgreSQL 已用 pg_restore 恢复时省略
arg-xunlian-user-add-name = 用户名
arg-xunlian-user-add-role = 角色：录入 (clerk)、审核 (reviewer) 或 运维 (operator)
arg-xunlian-user-passwd-name = 用户名
arg-xunlian-user-disable-name = 用户名
arg-xunlian-audit-user = 只看此人的操作
arg-xunlian-audit-limit = 最多显示条数（最新的在前；默认 100）
arg-xunlian-migrate-check = 只报告，不迁移（节点启动时自行迁移）
cmd-xunlian-bundle = 离线数据包：导出、导入（用于链路从不连通的办公室）
cmd-xunlian-bundle-export = 导出发往上级（或 --for 下级）的离线数据包：链路会发送的已签名记录
cmd-xunlian-bundle-import = 导入离线数据包，与联网推送同样检查；被篡改的数据包整体拒收
ex-xunlian-bundle = {"  "}xunlian bundle export --config county.toml --out 630102-上报.json
ex-xunlian-bundle-export =
    {"  "}xunlian bundle export --config county.toml --out 630102-上报.json
    {"  "}xunlian bundle export --config city.toml --for 630102 --out 630102-下发.json
ex-xunlian-bundle-import = {"  "}xunlian bundle import --config city.toml 630102-上报.json
arg-xunlian-bundle-export-out = 数据包写到哪里（JSON 文件）
arg-xunlian-bundle-export-peer = 接收方（默认为上级；上级办公室导出时写下级编号）
arg-xunlian-bundle-export-all = 重新导出对方尚未确认的全部记录，而不只是以前的数据包未带的
arg-xunlian-bundle-import-file = 数据包文件

## xunlian report coverage、stats、assignments

report-coverage-title = 全覆盖情况（{ $term } 届）
report-stats-title = 巡察统计（下辖合计）
report-stats-round-title = 第 { $round } 轮巡察统计（下辖合计）
report-stats-per-round = 各轮整改销号率（本级及下辖）：
report-stats-round-rate = { $round }：{ $verified }/{ $all } 已销号，{ $rate }
report-col-subtree = 下辖合计
report-col-own = 本级
report-col-office = 机构
report-col-rounds = 轮次
report-col-units = 单位
report-col-villages = 村(社区)
report-col-findings = 问题
report-col-clues = 线索
report-col-disposed = 线索处置
report-col-rectified = 整改销号
report-col-type = 类型
report-col-by = 巡察方
report-col-of = 被巡察方
report-col-status = 进度
report-col-feedback = 反馈日期
report-col-released = 已反馈
report-col-verified = 已销号
report-col-round = 轮次
assignment-kind-cross = 交叉巡察
assignment-kind-elevated = 提级巡察
assignment-status-planned = 已安排
assignment-status-on_site = 进驻中
assignment-status-fed_back = 已反馈
assignment-status-rectifying = 整改中
assignment-status-closed = 已办结

## 规则拒绝（daemon/workflow/rules、taxonomy、rectify）：字段路径另行给出，不在句中
refuse-body-unreadable = {$kind} 记录的内容无法读取：{$detail}
refuse-clue-tally-derived = 线索统计由系统生成，请提交线索本身
refuse-derived-id = 该 {$kind} 记录的 id 由系统生成（{$id}），请勿填写 "id"
submit-recovering = 本办公室的存储刚从备份恢复，正在从上级取回本办公室写过的记录，完成前不能写入
refuse-finding-copy-derived = 共性问题的下发副本和交叉巡察的反馈副本由系统生成，请勿填写
refuse-finding-two-rounds = round_id {$round} 与 body.round_id {$body_round} 不一致：一个问题只属于一个轮次
refuse-finding-no-round = 问题须注明所属轮次：请填写轮次计划的 round_id
refuse-finding-no-plan = 本办公室（{$office}）没有轮次 {$round} 的巡察计划，请先报送轮次计划
refuse-finding-no-team = 轮次 {$round} 没有巡察组 {$team}
refuse-finding-not-a-target = 单位 {$unit} 不是本轮的巡察对象（轮次 {$round}）
refuse-finding-coordinator = 协调办公室由系统按交叉巡察安排填写，请勿填写（{$given} 不是该单位交叉巡察的协调办公室）
refuse-finding-unknown = 本办公室没有问题 {$finding}
refuse-term-unknown = 届次 "{$term}" 没有问题分类；已定义的届次：{$defined}
refuse-category-unknown = 问题类别 "{$category}" 不在 {$term} 届{$level}办公室的分类中；可选：{$allowed}
refuse-tag-unknown = 标签 "{$tag}" 不在 {$term} 届的分类中；可选：{$allowed}
refuse-plan-no-round = 轮次计划须有 round_id（本轮编号，本轮问题共用，如 630202-2024-2）
refuse-plan-dates-order = 日期顺序应为 开始 ≤ 进驻 ≤ 反馈 ≤ 结束（{$date} 早于 {$earlier} 日期 {$earlier_date}）
refuse-plan-team-twice = 巡察组 {$team} 重复
refuse-plan-exists = 轮次 {$round} 已有计划 {$plan}；如要修改，请带上 "id": "{$plan}" 提交
refuse-plan-no-assignment = 本办公室（{$office}）没有本级或上级下达的安排 {$assignment}
refuse-plan-target-team = 巡察组 {$team} 不在本计划的巡察组（body.teams）中
refuse-plan-target-elevated = {$host} 的单位 {$unit} 在轮次 {$round} 已由 {$taking_over} 提级巡察（安排 {$assignment}），{$office} 的计划本轮不能以其为对象
refuse-plan-no-register = 本办公室（{$office}）尚无被巡察单位名册，请先用 `xunlian units import --config FILE UNITS.csv` 导入
refuse-plan-unit-unregistered = 单位 {$unit} 不在 {$office} 的名册中，请用 `xunlian units import` 添加
refuse-plan-two-assignments = 一个轮次计划只能依据一项安排：{$host} 的单位 {$unit} 属于安排 {$assignment}，其他对象属于 {$other}（请另立轮次）
refuse-plan-unit-elsewhere = 单位 {$unit} 属于办公室 {$host}：须有本轮的交叉或提级巡察安排，{$office} 才能巡察它，本办公室没有这样的安排
refuse-plan-follow-up-of = 回头看轮次须注明所复查的轮次
refuse-plan-no-earlier-round = 本办公室（{$office}）没有所复查的轮次 {$round}
refuse-plan-recheck = {$finding} 不是 {$office} 所复查轮次 {$round} 的问题
refuse-office-id = "{$id}" 不是有效的办公室编号（只能用字母、数字、- 和 _）
refuse-assignment-not-below = 办公室 {$office} 不在 {$me} 之下：安排须由所涉各办公室的共同上级下达（请由它们共同的上级下达，或等 {$office} 连接并报到后再试）
refuse-assignment-coordinator = 安排由协调办公室下达：{$coordinator} 不是本办公室（{$office}）
refuse-assignment-no-round = 一项安排只对应一个轮次，请填写其计划共用的 round_id
refuse-assignment-cross-elevated = 交叉巡察安排只含交叉关系，提级巡察另行下达
refuse-assignment-elevated-pairs = 提级巡察安排不含交叉关系，交叉巡察另行下达
refuse-assignment-self = 办公室 {$office} 不能巡察自己
refuse-assignment-cross-above = {$upper} 是 {$lower} 的上级：上级巡察下级的单位应使用提级巡察安排，而非交叉巡察
refuse-assignment-pair-twice = 交叉关系 {$by} → {$of} 重复
refuse-assignment-elevated-not-above = 提级巡察由上级办公室接手下级的单位：{$taking_over} 不是 {$office} 的上级
refuse-assignment-elevated-units = 请列出被提级巡察的单位
refuse-assignment-no-register = 本办公室没有 {$office} 的名册，无法核对单位（{$office} 用 `xunlian units import` 导入后，名册会报送到各上级）
refuse-assignment-unit-unregistered = 单位 {$unit} 不在 {$office} 的名册中
refuse-clue-unknown = 本办公室没有线索 {$clue}
refuse-clue-disposal-level = 线索 {$clue} 移交到{$managing}：只有该层级的办公室才能报告处置结果，{$office} 是{$level}办公室
refuse-clue-managing-level = 须填写管辖层级
refuse-clue-level-below = {$level}办公室的线索只能移交本级或上级，不能移交{$managing}
refuse-clue-through-host = 线索不得经过被巡察单位所在的办公室 {$host}（请移交到 {$host} 之上或本级）
refuse-clue-cross-coordinator = 问题 {$finding} 属于由 {$coordinator} 协调的交叉巡察：其线索移交给协调办公室 {$coordinator}，由其转交；管辖层级应为{$level}或更高
refuse-rectification-no-finding = 须填写问题编号
refuse-rectification-cross = {$finding} 是交叉巡察问题：由被巡察地办公室整改协调办公室 {$coordinator} 在反馈日期下发的副本 {$copy}，由 {$coordinator} 销号
refuse-rectification-status = 未知的整改状态 "{$status}"
refuse-rectification-common-host = 请注明整改此共性问题的办公室
refuse-rectification-host = 整改主体应为问题所在的办公室：问题 {$finding} 的所在办公室是 {$host}
refuse-rectification-inspecting = 巡察办公室应为提出该问题的办公室：问题 {$finding} 由 {$origin} 提出，由其巡察和销号
refuse-register-office = 只能报送本办公室（{$office}）的名册，不能报送 {$other} 的
refuse-register-unit-twice = 单位 {$unit} 重复
refuse-release-not-coordinator = 只有协调办公室才能反馈交叉巡察问题：{$finding} 不是由 {$office} 协调的交叉巡察问题
refuse-release-no-feedback = 本办公室所存 {$office} 轮次 {$round} 的计划没有反馈日期：交叉巡察问题在反馈日期下发
refuse-release-early = 反馈日期 {$date}（轮次 {$round}）之前不能反馈，被巡察办公室在此之前不得知悉问题（防止跑风漏气）
refuse-release-not-redaction = 反馈副本须与脱敏原件完全一致（由 `xunlian assign release` 生成）
refuse-rectify-closed-is-final = {$host} 对问题 {$finding} 的整改已销号办结，任何人不能再修改
refuse-rectify-inspector-signs-off = 只有巡察办公室 {$inspecting} 能销号或退回重改，{$writer} 不能（被巡察地办公室报告整改中和已完成）
refuse-rectify-verdict-after-completed = 被巡察地办公室 {$host} 报告已完成后，{$inspecting} 才能销号或退回；目前整改状态为 {$state}
refuse-rectify-host-reports-progress = 只有被巡察地办公室 {$host} 能报告已计划、整改中和已完成，{$writer} 不能（巡察办公室 {$inspecting} 负责销号或退回）
refuse-rectify-completed-awaits-verdict = 已报告完成，等待 {$inspecting} 审核；退回重改后 {$host} 才能继续
refuse-rectify-evidence-for-completed = 报告已完成须附整改证据：请填写 body.evidence
refuse-cross-no-round = 请填写各计划共用的 round_id
refuse-cross-two-offices = 交叉巡察至少需要两个办公室
refuse-cross-office-twice = 办公室 {$office} 重复
refuse-cross-capacity = {$office} 不在所列办公室中
refuse-cross-round-taken = 轮次 {$round} 已有本办公室下达的交叉巡察安排 {$assignment}；请另立轮次（试排 --dry-run 只显示方案，不下达）
refuse-cross-unplannable = 排不出交叉巡察方案：{$detail}
node-refused = 节点拒绝了请求（HTTP {$status}）：{$reason}
node-refused-no-reason = 未说明原因
node-unreachable = 无法连接节点的运维接口 {$address}：节点在运行吗？

## 隔离区（xunlian quarantine）与对端拒收原因的名称（代码见 daemon/engine/reason.rs）
quarantine-empty = 隔离区为空。
quarantine-col-id = 编号
quarantine-col-at = 时间
quarantine-col-peer = 来源
quarantine-col-record = 记录
quarantine-col-kind = 类型
quarantine-col-code = 拒收类别
quarantine-col-reason = 说明
quarantine-retried = 已重新接收 {$admitted} 条。
quarantine-retried-some-refused = 已重新接收 {$admitted} 条，仍被拒绝 {$refused} 条：
quarantine-still-refused = {"  "}#{$id} 记录 {$record}：{$why} — {$reason}
quarantine-why-required = 丢弃须说明理由：--why 理由
quarantine-discarded = 已丢弃 {$n} 条。
quarantine-unchanged = 隔离区未作任何改动
reason-protocol = 协议版本不符
reason-not_a_child = 不是本节点的下级
reason-identity = 身份不符
reason-malformed = 格式错误
reason-too_large = 超过大小上限
reason-topology_stale = 下级结构已过时
reason-shutdown = 节点正在停止
reason-full = 存储已满
reason-store = 存储故障
reason-schema = 不符合记录格式
reason-fingerprint = 记录与声明不符
reason-future = 时间超前
reason-not_allowed = 无权发送
reason-tree = 与机构树不符
reason-signature = 签名无效
reason-unknown = 未知原因
record-round_plan = 轮次计划
record-finding = 问题
record-clue = 线索
record-rectification = 整改
record-assignment = 巡察安排
record-notice = 通知
record-health = 运行状况
record-unit_register = 单位名册
record-clue_tally = 线索统计
plan-kind-regular = 常规巡察
plan-kind-special = 专项巡察
plan-kind-mobile = 机动巡察
plan-kind-follow_up = 回头看
plan-kind-elevated = 提级巡察
plan-kind-cross = 交叉巡察
plan-kind-linked = 联动巡察

## 命令行解析错误（clap，按 ErrorKind；daemon/cli/parse_error.rs）
lang-unknown = 请用 zh 或 en
clap-value-missing = '{$arg}' 需要一个值，但没有提供
clap-invalid-value = '{$arg}' 的值 '{$value}' 无效
clap-value-validation = '{$arg}' 的值 '{$value}' 无效：{$detail}
clap-unknown-argument = 无法识别的参数 '{$arg}'
clap-unknown-subcommand = 未知的子命令 '{$name}'
clap-no-equals = 给 '{$arg}' 赋值须用等号（{$arg}=值）
clap-too-many-values = '{$arg}' 不需要更多的值，却多出了 '{$value}'
clap-too-few-values = '{$arg}' 至少需要 {$min} 个值，只提供了 {$actual} 个
clap-wrong-number-of-values = '{$arg}' 需要 {$expected} 个值，提供了 {$actual} 个
clap-argument-conflict = 参数 '{$arg}' 不能与 {$other} 同时使用
clap-argument-repeated = 参数 '{$arg}' 只能使用一次
clap-missing-required = 缺少必需的参数：{$args}
clap-missing-subcommand = '{$name}' 需要一个子命令
clap-invalid-utf8 = 参数不是有效的 UTF-8 文字
clap-other = 命令行有误（{$detail}）
clap-possible-values = 可选值：{$values}
clap-possible-subcommands = 可用的子命令：{$names}
clap-did-you-mean = 提示：是否想用 '{$suggestion}'？
clap-try-help = 详见 '--help'。

## 提交、查询与导入（daemon/cli/client.rs、import.rs）
submit-not-json = {$file}：共 {$n} 行不是有效的 JSON，未提交任何记录：
    {$lines}
submit-not-object = {$file}：{$place} 须是 JSON 对象
submit-repeat = {$file}：{$place} 与{$earlier}相同，只存一条
submit-summary = {$file}：已存储 {$new} 条，未变 {$unchanged} 条，被拒 {$refused} 条
submit-line = 第 {$n} 行
submit-entry = 第 {$n} 项
submit-progress = {"{"}bar:40{"}"} 已提交 {"{"}pos{"}"}/{"{"}len{"}"} 条（{"{"}per_sec{"}"}，剩余 {"{"}eta{"}"}）
query-more = 还有更多记录，下一页加 --after {$last}
import-template-written = 已写入模板 {$file}
import-too-many-units = {$file}：名册将有 {$n} 个单位，最多 {$max} 个
import-register-summary = {$office} {$name}：名册共 {$total} 个单位，本次导入 {$rows}，新增 {$added}
import-too-many-rows = {$file}：{$n} 行，一次最多导入 {$max} 行，请拆分文件
import-check-failed = {$file}：检查失败
import-write-failed = {$file}：写入失败，未写入任何记录
import-summary = {$file}：导入 {$rows} 行，新增或更新 {$new} 条，未变 {$unchanged} 条
import-refused = {$file}：共 {$n} 处错误，未导入任何内容
refuse-level-unknown = "{$given}" 不是层级：可选 central、provincial、municipal 或 county
refuse-clue-routing = 干部由{$managing}管理，但本节点的 routing.clue 只把线索送到{$cap}：请在配置中调高 routing.clue
refuse-kind-changed = 记录 {$id} 是 {$held}，不能改为 {$kind}
submit-not-owner = 记录 {$id} 属于 {$origin}，只有该办公室才能修改
submit-conflict = 记录 {$id} 同时被修改，请重新提交

## 备份、恢复与离线数据包（daemon/cli/backup.rs、bundle.rs）
backup-postgres = PostgreSQL 存储请用 pg_dump -Fc 备份（见 docs/operations.md）
backup-done = 已备份 {$office} 的存储到 {$file}（{$bytes} 字节）
restore-running = 节点 {$office} 仍在运行（运维接口 {$address} 有应答），请先停止
restore-needs-from = SQLite 存储需要 --from 备份文件
restore-postgres = PostgreSQL 存储请先用 pg_restore 恢复，再不带 --from 运行本命令
restore-done = 已恢复 {$office} 的存储，新代号 {$generation}
restore-recovers = 启动后先从上级取回本办公室备份后上报的记录，完成前拒绝写入
bundle-exported = 已导出 {$n} 条记录，发往 {$to}：{$file}
bundle-imported = {$file}：来自 {$from}，新存 {$stored}，已有 {$unchanged}，拒收 {$refused}

## 存储迁移检查（xunlian migrate --check）
migrate-check-only = 只支持 --check；守护进程启动时执行迁移
migrate-col-migration = 迁移
migrate-col-state = 状态
migrate-col-previous-reads = 上一版本可读
migrate-col-what = 内容
migrate-applied = 已执行
migrate-pending = 待执行
migrate-yes = 是
migrate-no = 否
migrate-none-pending = 无待执行的迁移：上一版本仍可读取此存储
migrate-pending-readable = 待执行 {$n} 项；升级后上一版本仍可读取此存储
migrate-pending-unreadable = 待执行 {$n} 项；升级后上一版本将无法读取此存储，回退须恢复升级前的备份：请先运行 xunlian backup

## 网络与机构（xunlian network）
network-moved = 已将 {$office} 调整至 {$parent} 之下；树清单版本 {$version} 已写入 {$n} 个机构目录
network-moved-restart = 请重启 {$office} 以连接新的上级：xunlian daemon --config {$config}
network-merged = {$office} 由 {$into} 承继；树清单版本 {$version} 已写入 {$n} 个机构目录；{$office} 的证书（序列号 {$serial}）已吊销
network-merged-stop = 请停止 {$office} 的守护进程。
network-written = 已在 {$dir} 下写好 {$n} 个节点的网络：
network-start-each = 逐个启动：xunlian daemon --config DIR/<编号>/config.toml
network-added = 已新增机构 {$office}（{$name}），上级 {$parent}；树清单版本 {$version} 已写入 {$n} 个机构目录
network-added-start = 启动：xunlian daemon --config {$config}

## 证书与密钥（xunlian pki）
pki-ca-written = 已在 {$dir} 写好 CA（ca.pem、ca.key、crl.pem）
pki-issued = 已为节点 {$node} 签发 {$cert}（序列号 {$serial}，有效期至 {$until}）
pki-revoked = 已吊销序列号 {$serial}（{$cert}）；吊销列表已重写于 {$crl}，各节点无需重启即会重新读取
pki-seal-key-written = 、封存密钥 {$key_id} 于 {$file}
pki-sign-key-written = 已写入签名密钥 {$file}{$seal}（权限 0600，请留在本机）；请把上面一行交给 CA，并通过其他渠道与其核对 key_id {$key_id}
pki-manifest-legacy = ，{$before} 之前的未签名记录按旧记录放行
pki-manifest-signed = 已签署树清单第 {$version} 版（{$n} 个机构{$legacy}）于 {$file}；请交给每个机构作为其 trust.manifest
assign-empty-unit = --units 中有空的单位编号：请用逗号分隔各单位编号
assign-elevated-issued = 已下达提级巡察安排 {$assignment}：{$me} 在轮次 {$round} 接手 {$office} 的单位 {$units}；已通知 {$office}，其本轮计划不能再以这些单位为对象
